"""The release's library page, opened in headless Chromium from file:// as a reader would."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

from playwright.sync_api import sync_playwright

# Debian's chromium package where `./run` installs it; elsewhere (Ubuntu) Playwright's own build of
# Chromium, which `./run` installs with `playwright install --with-deps chromium`.
CHROMIUM = shutil.which("chromium")
# Chromium's own network chatter is refused on this offline machine; keep it quiet and local.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def test_every_link_and_thumbnail_of_the_library_page_works(released: Path) -> None:
    index = released / "index.html"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(index.as_uri())
        page.wait_for_load_state("load")
        images = page.eval_on_selector_all("img", "els => els.map(e => [e.src, e.complete, e.naturalWidth])")
        links = page.eval_on_selector_all("a", "els => els.map(e => e.href)")
        names = page.eval_on_selector_all(".name a", "els => els.map(e => [e.lang, e.dir, e.textContent])")
        page.screenshot(path=str(released / "index-screenshot.png"), full_page=True)
        browser.close()
    assert len(images) == 48 and all(complete and width > 0 for _, complete, width in images), images
    targets = {Path(unquote(urlparse(link).path)) for link in links}
    assert len(targets) == 48 and all(t.suffix == ".pdf" and t.is_file() for t in targets)
    by_lang = {lang: (direction, text) for lang, direction, text in names}
    assert by_lang["ar"] == ("rtl", "العربية") and by_lang["zh-Hant"][0] == "ltr" and by_lang["fa"][0] == "rtl"
    assert by_lang["ru"][1] == "русский" and by_lang["ja"][1] == "日本語"
    assert (released / "index-screenshot.png").stat().st_size > 10_000
