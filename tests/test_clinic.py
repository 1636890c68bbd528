"""A clinic's own set-up: its languages, the language-assistance notice, and publishing what is ready."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import polib
import pytest

from handouts.config import load_brand
from handouts.pipeline import BuildOptions, Project, build

from .pdftools import embedded_font_names, languages_of_elements, page_texts, squeeze
from .test_cli import run

NOTICE = "Free language help is available. Call %(phone)s."
EXTENSION = "%(phone)s ext. %(extension)s"


def template_text(project: Path, tag: str, msgid: str) -> str:
    """A template message in a language, as that language's catalog in the project has it."""
    if tag == "en":
        return msgid
    entry = polib.pofile(str(project / f"locales/{tag.replace('-', '_')}/LC_MESSAGES/templates.po")).find(msgid)
    assert entry is not None and entry.msgstr, (tag, msgid)
    return str(entry.msgstr)


def notice(project: Path, tag: str, brand: str) -> str:
    """The brand's language-assistance notice in one language, from the catalogs and the brand file."""
    phone = load_brand(project / f"brands/{brand}/brand.toml").language_assistance
    assert phone is not None
    number = phone.number
    if phone.extension is not None:
        number = template_text(project, tag, EXTENSION) % {"phone": number, "extension": phone.extension}
    return template_text(project, tag, NOTICE) % {"phone": number}


def set_brand(project: Path, brand: str, **values: str) -> None:
    """Replace or add top-level keys of a brand file (values are TOML)."""
    path = project / "brands" / brand / "brand.toml"
    lines = path.read_text().splitlines()
    for key, value in values.items():
        found = [i for i, line in enumerate(lines) if line.startswith(f"{key} = ")]
        if found:
            lines[found[0]] = f"{key} = {value}"
        else:
            lines.insert(next(i for i, line in enumerate(lines) if line.startswith("[")), f"{key} = {value}")
    path.write_text("\n".join(lines) + "\n")


def test_the_notice_is_in_english_and_every_language_of_the_clinic(project_copy: Path, tmp_path: Path) -> None:
    options = BuildOptions(("es",), ("northside",), paper="letter", editions=("standard",))
    result = build(Project(project_copy, tmp_path), options)
    (job,) = result.jobs
    text = squeeze(page_texts(job.output)[-1])
    assert notice(project_copy, "en", "northside").endswith(" ext. 2.")  # a number with an extension
    sentences = [squeeze(notice(project_copy, tag, "northside")) for tag in ("en", "es", "vi")]
    for sentence in sentences:
        assert sentence in text, sentence
    assert text.index(sentences[0]) < text.index(sentences[1]) < text.index(sentences[2])
    # each sentence carries its own language for screen readers (the page itself is Spanish)
    assert {("/P", "en"), ("/P", "vi")} <= set(languages_of_elements(job.output))


def test_each_sentence_of_the_notice_has_its_own_script_and_font(project_copy: Path, tmp_path: Path) -> None:
    set_brand(project_copy, "northside", locales='["en", "es", "ar", "zh-Hans"]')
    options = BuildOptions(("es",), ("northside",), paper="a4", editions=("standard",))
    (job,) = build(Project(project_copy, tmp_path), options).jobs
    catalogs = {
        tag: polib.pofile(str(project_copy / f"locales/{tag}/LC_MESSAGES/templates.po")) for tag in ("ar", "zh_Hans")
    }
    text = squeeze(page_texts(job.output)[-1])
    for po in catalogs.values():
        # pdftotext puts a right-to-left line's runs in visual order: look for each sentence
        for piece in po.find(NOTICE).msgstr.split("%(phone)s")[0].replace("。", ".").split("."):
            assert squeeze(piece) in text, piece
    fonts = embedded_font_names(job.output)
    assert {"Noto-Naskh-Arabic", "Noto-Sans-CJK-SC"} <= fonts, fonts
    languages = set(languages_of_elements(job.output))
    assert ("/P", "ar") in languages and ("/P", "zh-Hans") in languages


def test_no_notice_unless_the_brand_asks(project_copy: Path, tmp_path: Path) -> None:
    (job,) = build(Project(project_copy, tmp_path), BuildOptions(("es",), ("example",))).jobs
    text = squeeze(" ".join(page_texts(job.output)))
    for tag in ("en", "es"):  # neither sentence of the notice, up to the number it gives
        assert squeeze(template_text(project_copy, tag, NOTICE).split("%(phone)s")[0]) not in text


def test_the_clinic_phone_prints_its_extension_in_the_language_of_the_page(project_copy: Path, tmp_path: Path) -> None:
    set_brand(project_copy, "example", phone='"(555) 010-0199 ext. 12"')
    result = build(Project(project_copy, tmp_path), BuildOptions(("en", "de", "ar"), ("example",)))
    jobs = {job.locale.tag: job for job in result}
    assert "(555) 010-0199 ext. 12" in page_texts(jobs["en"].output)[0]
    german = template_text(project_copy, "de", EXTENSION) % {"phone": "(555) 010-0199", "extension": "12"}
    assert german != "(555) 010-0199 ext. 12"
    for page in page_texts(jobs["de"].output):
        assert german in page  # on every page: the footer
    arabic = page_texts(jobs["ar"].output)[0]
    word = template_text(project_copy, "ar", EXTENSION).replace("%(phone)s", "").replace("%(extension)s", "")
    word = word.strip(" ،,")  # the Arabic word for the extension, without its comma
    assert word and word in arabic and "(555) 010-0199" in arabic


def test_the_brand_decides_which_languages_are_built(project_copy: Path, tmp_path: Path) -> None:
    options = BuildOptions(brands=("northside",), editions=("standard",), paper="letter")
    result = build(Project(project_copy, tmp_path), options)
    assert sorted(job.locale.tag for job in result) == ["en", "es", "vi"]
    asked = run("build", "--brand", "northside", "--locale", "de", cwd=project_copy)
    assert asked.returncode == 2 and "no chosen brand offers 'de'" in asked.stderr


def test_a_brand_offering_a_language_without_catalogs_is_refused(project_copy: Path) -> None:
    set_brand(project_copy, "northside", locales='["en", "es", "he"]')
    result = run("build", "--brand", "northside", cwd=project_copy)
    assert result.returncode == 2
    assert "brands/northside/brand.toml: locales: config-error: the clinic offers 'he'" in result.stderr


def break_french(project: Path) -> None:
    path = project / "locales/fr/LC_MESSAGES/ketamine-infusions.po"
    po = polib.pofile(str(path))
    po[0].msgstr = ""
    po.save(str(path))


def test_a_clinic_releases_its_languages_whatever_the_others_are(project_copy: Path) -> None:
    break_french(project_copy)  # a language Northside does not offer
    assert run("build", cwd=project_copy).returncode == 1  # every brand: French is refused
    result = run("release", "--brand", "northside", "--edition", "standard", "--paper", "letter", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((project_copy / "dist/manifest.json").read_text())
    assert sorted(entry["locale"] for entry in manifest["pdfs"]) == ["en", "es", "vi"]


def add_handout(project: Path) -> None:
    """A second handout of the clinic's own, written in English, not yet translated."""
    (project / "content/fasting.md").write_text(
        '---\ntitle: Fasting Before Your Procedure\nslug: fasting\nsource_version: "1.0"\n'
        "last_reviewed: 2026-11-20\npages: 1\n---\n\nDo not eat for six hours before your procedure.\n"
    )
    assert run("extract", cwd=project).returncode == 0


def test_without_ready_only_a_new_handout_blocks_the_build(project_copy: Path) -> None:
    add_handout(project_copy)
    result = run("build", "--brand", "northside", cwd=project_copy)
    assert result.returncode == 1 and "missing-catalog" in result.stderr
    assert not (project_copy / "dist").exists()


def test_ready_only_builds_what_is_ready_and_says_what_it_left_out(project_copy: Path) -> None:
    add_handout(project_copy)
    result = run("build", "--brand", "northside", "--ready-only", "--format", "json", cwd=project_copy)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    built = {(e["handout"], e["locale"]) for e in summary["built"]}
    assert built == {("ketamine-infusions", t) for t in ("en", "es", "vi")} | {("fasting", "en")}
    left = {(e["handout"], e["locale"]) for e in summary["left_out"]}
    assert left == {("fasting", "es"), ("fasting", "vi")}
    for entry in summary["left_out"]:
        assert any("missing-catalog" in reason for reason in entry["reasons"]), entry
        assert entry["path"].startswith(f"northside/{entry['locale']}/fasting.")
    assert len(summary["left_out"]) == 2 * 2 * 2  # each locale on two papers in two editions
    text = run("build", "--brand", "northside", "--ready-only", cwd=project_copy)
    assert text.returncode == 0
    assert "left out northside/es/fasting.letter.pdf (fasting, es, standard, letter):" in text.stdout
    assert "8 left out (not ready)" in text.stdout
    assert (project_copy / "dist/northside/es/ketamine-infusions.letter.pdf").is_file()
    assert not (project_copy / "dist/northside/es/fasting.letter.pdf").exists()


def test_release_ready_only_publishes_what_is_ready(project_copy: Path) -> None:
    add_handout(project_copy)
    result = run(
        "release", "--brand", "northside", "--locale", "es", "--paper", "a4", "--ready-only", "--name", "spring",
        "--format", "json", cwd=project_copy,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert sorted(summary["pdfs"]) == [
        "northside/es/ketamine-infusions.a4.pdf",
        "northside/es/ketamine-infusions.large-print.a4.pdf",
    ]
    assert {entry["path"] for entry in summary["left_out"]} == {
        "northside/es/fasting.a4.pdf",
        "northside/es/fasting.large-print.a4.pdf",
    }
    with zipfile.ZipFile(project_copy / "dist/spring.zip") as zf:
        pdfs = sorted(n for n in zf.namelist() if n.endswith(".pdf") and "/thumbnails/" not in n)
    assert pdfs == [f"spring/{path}" for path in sorted(summary["pdfs"])]


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "x" * 101])
def test_a_release_name_is_a_plain_file_name(shipped: Path, name: str) -> None:
    result = run("release", "--name", name, cwd=shipped)
    assert result.returncode == 2 and "usage-error" in result.stderr
