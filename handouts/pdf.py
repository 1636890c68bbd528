"""WeasyPrint, and nothing else: fonts, which URLs may be fetched, the PDF variant, metadata.

WeasyPrint is imported only here, and only once something needs rendering. Its warnings (a
`.notdef` glyph, a resource it could not load, CSS it ignored) fail the job instead of passing
silently into a patient's handout.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .buildcache import write_atomic
from .errors import Location, RenderError
from .fonts import PreparedFonts, configured_fonts

PDF_VARIANT = "pdf/ua-1"
# The font files one font configuration holds at most, in bytes: every declared script's fonts,
# the four CJK faces among them (regular and bold, 33 MB each), and room for a brand's own.
FONT_BYTES = 160 << 20
LOGGER = logging.getLogger("handouts")
# WeasyPrint logs this once per font when libharfbuzz-subset is missing; we say it once per run.
SLOW_SUBSET_WARNING = "Using fontTools instead of HarfBuzz-Subset"


class WarningCollector(logging.Handler):
    """Collects every WARNING or worse that WeasyPrint logs during one render."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if not message.startswith(SLOW_SUBSET_WARNING):
            self.messages.append(message)


@contextmanager
def collect_warnings() -> Iterator[WarningCollector]:
    logger = logging.getLogger("weasyprint")
    collector = WarningCollector()
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


def use_declared_fonts_only(fonts: PreparedFonts) -> None:
    """Point Fontconfig at the declared fonts alone; must happen before WeasyPrint loads Pango."""
    wanted = str(fonts.fontconfig_file.resolve())
    current = os.environ.get("FONTCONFIG_FILE")
    if current == wanted:
        return
    import sys

    if "weasyprint" in sys.modules:
        if current and configured_fonts(Path(current)) == fonts.configured:
            return  # another project's copy of the same declared fonts: Fontconfig already sees them
        raise RenderError(
            "WeasyPrint was loaded before the font configuration was set; render through handouts.pdf.PdfWriter only"
        )
    os.environ["FONTCONFIG_FILE"] = wanted


def import_weasyprint() -> Any:
    """`import weasyprint`, opening its C libraries by their Linux names at once.

    WeasyPrint's `text/ffi.py` tries each library under several names, Windows and macOS ones
    first. cffi hands every name it cannot open to `ctypes.util.find_library`, which on Linux runs
    `ldconfig -p`, then `gcc` or `ld`, for each: some fifty processes and a third of the import's
    time, before the name WeasyPrint also tries (`libpango-1.0.so.0`, the library's soname) opens
    at once. While WeasyPrint is imported here, that search finds nothing, so each library opens
    by its soname, as the dynamic loader finds it (`LD_LIBRARY_PATH`, then its cache).
    """
    import sys

    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        import weasyprint

        return weasyprint
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint
    finally:
        ctypes.util.find_library = search
    return weasyprint


def preload(fonts: PreparedFonts) -> None:
    """Set up the fonts and import WeasyPrint, e.g. once before forking worker processes."""
    use_declared_fonts_only(fonts)
    import_weasyprint()

    from . import weasyprint_ext

    weasyprint_ext.install()


LAYOUTS: dict[str, Any] = {}  # parsed layout stylesheets of this process, by text


class NoFonts:
    """The font configuration a layout stylesheet is parsed with: it records each `@font-face`
    WeasyPrint hands it instead of loading the font."""

    def __init__(self) -> None:
        self.families: list[str] = []

    def add_font_face(self, rule_descriptors: dict[str, Any], url_fetcher: Any) -> None:
        self.families.append(str(rule_descriptors.get("font_family", "")))


def layout_stylesheet(css: str) -> Any:
    """A layout stylesheet (`templates/handout.css`: no fonts) parsed once per process; parsed
    before the workers fork, once per build. It may fetch nothing (no `@import`) and declare no
    font: fonts come from the font declaration and the brands alone."""
    found = LAYOUTS.get(css)
    if found is None:
        weasyprint = import_weasyprint()

        def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
            raise ValueError(f"refusing to fetch {url!r} for the layout stylesheet")

        fonts = NoFonts()
        with collect_warnings() as warnings:
            found = weasyprint.CSS(string=css, url_fetcher=refuse, font_config=fonts)
        if fonts.families:
            raise RenderError(
                f"templates/handout.css declares the font {fonts.families[0]!r} (@font-face): the layout may declare "
                "no font; declare fonts in handouts/fonts.toml, or a clinic's font in its brand.toml"
            )
        if warnings.messages:
            raise RenderError("layout stylesheet rejected by WeasyPrint: " + "; ".join(warnings.messages))
        if len(LAYOUTS) >= 8:  # a long-lived process meeting many projects keeps the latest few
            LAYOUTS.clear()
        LAYOUTS[css] = found
    return found


def warn_if_subsetting_is_slow() -> None:
    """Say once if libharfbuzz-subset is missing: fontTools subsets 40-80x slower."""
    from weasyprint.text import ffi

    if getattr(ffi, "harfbuzz_subset", None) is None and not getattr(warn_if_subsetting_is_slow, "done", False):
        LOGGER.warning(
            "libharfbuzz-subset is not installed: fonts are subset by fontTools instead, 40-80x slower "
            "(about 7 s instead of 0.15 s for a Chinese page); install libharfbuzz-subset0"
        )
        warn_if_subsetting_is_slow.done = True  # type: ignore[attr-defined]


class PdfWriter:
    """Renders HTML to PDF/UA-1 with one reused FontConfiguration and a strict URL fetcher."""

    def __init__(self, fonts: PreparedFonts, allowed_roots: list[Path]) -> None:
        use_declared_fonts_only(fonts)
        weasyprint = import_weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        from . import weasyprint_ext

        weasyprint_ext.install()  # languages, artifacts and ActualText in the tagged PDF
        self._weasyprint = weasyprint
        self.fonts = fonts
        # The project's asset folders, and the cache's plain copies of brands' WOFF fonts. The
        # declared fonts are not among them: Fontconfig opens those, WeasyPrint never fetches them.
        self.allowed_roots = [root.resolve() for root in allowed_roots] + [fonts.cache_dir / "unwrapped"]
        self._font_configuration = FontConfiguration
        self.font_config = FontConfiguration()
        self.fetcher = self._make_fetcher()
        self._stylesheets: dict[str, Any] = {}
        # WeasyPrint's image cache, by URL: a logo is decoded, and its PDF stream encoded, once per
        # writer instead of once per PDF. A writer lives for one build, whose inputs do not change.
        self._images: dict[str, Any] = {}
        self._loaded: set[Path] = set()  # the font files of the current font configuration
        self._sizes: dict[Path, int] = {}
        warn_if_subsetting_is_slow()

    def use_fonts(self, files: Iterable[Path]) -> None:
        """Make room for a page's font files: when loading them would take the font configuration
        over FONT_BYTES bytes of fonts, start a new one (the old one's fonts are freed).

        Fontconfig maps the declared files (it does not copy them), and a CJK face adds about
        35 MiB to a process: a worker holds every shipped script at once and stays under 300 MiB,
        while a project declaring far larger fonts still has its workers' memory bounded."""
        wanted = set(files)
        if wanted <= self._loaded:
            return
        for path in wanted - self._sizes.keys():
            self._sizes[path] = path.stat().st_size
        if self._loaded and sum(self._sizes[path] for path in self._loaded | wanted) > FONT_BYTES:
            self.font_config = self._font_configuration()
            self._stylesheets.clear()  # parsed with the old configuration: their fonts live there
            self._loaded.clear()
        self._loaded |= wanted

    def is_allowed(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(root in resolved.parents for root in self.allowed_roots)

    def _make_fetcher(self) -> Any:
        from weasyprint.urls import URLFetcher

        writer = self

        class ProjectFetcher(URLFetcher):  # type: ignore[misc]
            """Fetches the project's own asset files; refuses the network and the rest of the disk."""

            def fetch(self, url: str, headers: Any = None) -> Any:
                parsed = urlparse(url)
                if parsed.scheme != "file":
                    raise ValueError(f"refusing to fetch {url!r}: only the project's own files may be used")
                if not writer.is_allowed(Path(unquote(parsed.path))):
                    raise ValueError(f"refusing to fetch {url!r}: not one of the project's asset files")
                return super().fetch(url, headers)

        return ProjectFetcher(allowed_protocols={"file"}, fail_on_errors=True)

    def font_stylesheet(self, css: str) -> Any:
        """The parsed font CSS, once per distinct text (its fonts load into the shared configuration)."""
        if css not in self._stylesheets:
            with collect_warnings() as warnings:
                self._stylesheets[css] = self._weasyprint.CSS(
                    string=css, font_config=self.font_config, url_fetcher=self.fetcher
                )
            if warnings.messages:
                raise RenderError("font declaration rejected by WeasyPrint: " + "; ".join(warnings.messages))
        return self._stylesheets[css]

    def write_pdf(self, html: str, base_dir: Path, output: Path, page_css: str | None = None) -> bytes:
        """Render `html` to `output`, atomically."""
        pdf = self.render(html, base_dir, output, page_css)
        write_atomic(output, pdf)
        return pdf

    def render(
        self, html: str, base_dir: Path, output: Path, page_css: str | None = None, font_files: Iterable[Path] = ()
    ) -> bytes:
        """The PDF of `html` (relative URLs resolved against `base_dir`); `output` names it in errors.

        `page_css` is `pipeline.font_css` (the fonts of the page's locales) or `pipeline.page_css`
        (those and the handout layout), parsed once per distinct text; without it only the Latin
        fonts are loaded. `font_files` are the files it declares, to keep the fonts held in memory
        bounded (`use_fonts`).
        """
        return self.render_counted(html, base_dir, output, page_css, font_files)[0]

    def render_counted(
        self,
        html: str,
        base_dir: Path,
        output: Path,
        page_css: str | None = None,
        font_files: Iterable[Path] = (),
        layout: str | None = None,
    ) -> tuple[bytes, int]:
        """`render`, and the PDF's number of pages, as WeasyPrint laid them out (no PDF is parsed).
        `layout` is a stylesheet without fonts that comes after `page_css` (`layout_stylesheet`)."""
        self.use_fonts(font_files)
        weasyprint = self._weasyprint
        stylesheets = [self.font_stylesheet(page_css if page_css is not None else self.fonts.stylesheet([]))]
        if layout is not None:
            stylesheets.append(layout_stylesheet(layout))
        # `HTML.write_pdf` split in its two steps, render and write, to keep the laid-out pages
        options = {
            **weasyprint.DEFAULT_OPTIONS,
            "stylesheets": stylesheets,
            "pdf_variant": PDF_VARIANT,
            "uncompressed_pdf": False,
            "cache": self._images,
        }
        with collect_warnings() as warnings:
            try:
                page = weasyprint.HTML(
                    string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=self.fetcher
                )
                document = page.render(font_config=self.font_config, **options)
                pdf = document.write_pdf(**options)
            except weasyprint.urls.FatalURLFetchingError as exc:
                raise RenderError(f"{exc}: {exc.__cause__}", Location(output)) from None
        if warnings.messages:
            raise RenderError("WeasyPrint warned: " + "; ".join(dict.fromkeys(warnings.messages)), Location(output))
        assert isinstance(pdf, bytes)
        return pdf, len(document.pages)  # the caller writes it, once it has passed every check (the page budget...)
