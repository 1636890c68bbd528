"""Typography and accessibility, checked on the rendered PDF: every declared script, regional
CJK glyph shapes, tagged structure, outline, body size, page budget on Letter and A4."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from handouts.fonts import load_font_declaration, prepare_fonts
from handouts.pdf import PdfWriter
from handouts.pipeline import BuildOptions, Job, Project, build
from handouts.thumbnails import rasterise

from .conftest import ROOT, Recorder
from .pdftools import catalog, embedded_font_names, figure_alt_texts, page_texts, squeeze, structure_types

# A sample paragraph in every script a US clinic needs, with the locale that selects its font.
SAMPLES = {
    "vi": "Tiếng Việt: Hãy uống thuốc đúng liều lượng mỗi ngày.",
    "ru": "Русский: Принимайте лекарство каждый день.",
    "el": "Ελληνικά: Παίρνετε το φάρμακο κάθε μέρα.",
    "ar": "العربية: تناول الدواء كل يوم.",
    "fa": "فارسی: داروی خود را هر روز مصرف کنید. گ چ پ ژ",
    "ur": "اردو: اپنی دوا ہر روز لیں۔",
    "he": "עברית: קחו את התרופה כל יום.",
    "zh-Hans": "简体中文：请每天按时服药。",
    "zh-Hant": "繁體中文：請每天按時服藥。",
    "ja": "日本語：毎日お薬を飲んでください。",
    "ko": "한국어: 매일 약을 드세요.",
    "hi": "हिन्दी: हर दिन अपनी दवा लें।",
    "bn": "বাংলা: প্রতিদিন আপনার ওষুধ খান।",
    "pa": "ਪੰਜਾਬੀ: ਹਰ ਰੋਜ਼ ਆਪਣੀ ਦਵਾਈ ਲਓ।",
    "gu": "ગુજરાતી: દરરોજ તમારી દવા લો.",
    "th": "ภาษาไทย: กรุณารับประทานยาทุกวัน",
    "am": "አማርኛ: መድሃኒትዎን በየቀኑ ይውሰዱ።",
    "uk": "Українська: Приймайте ліки щодня.",
    "ti": "ትግርኛ: መድሃኒትኩም መዓልቲ መዓልቲ ውሰዱ።",
    "my": "မြန်မာ: နေ့တိုင်း ဆေးသောက်ပါ။",
    "km": "ខ្មែរ: សូមលេបថ្នាំរបស់អ្នករៀងរាល់ថ្ងៃ។",
    "lo": "ລາວ: ກະລຸນາກິນຢາທຸກມື້",
    "ta": "தமிழ்: தினமும் உங்கள் மருந்தை எடுத்துக்கொள்ளுங்கள்.",
    "te": "తెలుగు: ప్రతిరోజూ మీ మందులు వేసుకోండి.",
    "kn": "ಕನ್ನಡ: ಪ್ರತಿದಿನ ನಿಮ್ಮ ಔಷಧಿಯನ್ನು ತೆಗೆದುಕೊಳ್ಳಿ.",
    "ml": "മലയാളം: എല്ലാ ദിവസവും നിങ്ങളുടെ മരുന്ന് കഴിക്കുക.",
    "si": "සිංහල: සෑම දිනකම ඔබේ ඖෂධ ගන්න.",
    "or": "ଓଡ଼ିଆ: ପ୍ରତିଦିନ ଆପଣଙ୍କ ଔଷଧ ଖାଆନ୍ତୁ।",
    "hy": "Հայերեն: Ամեն օր ընդունեք ձեր դեղը։",
    "ka": "ქართული: მიიღეთ წამალი ყოველდღე.",
    "bo": "བོད་སྐད: ཉིན་རེ་བཞིན་སྨན་ཟ་རོགས།",
    "chr": "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ: ᎣᏏᏲ.",
    "iu": "ᐃᓄᒃᑎᑐᑦ: ᖁᔭᓐᓇᒦᒃ.",
    "nv": "Diné Bizaad: Yáʼátʼééh. Ahéheeʼ. Nizhǫ́nígo.",
    "yo": "Yorùbá: Ẹ máa lo oògùn yín lójoojúmọ́.",
}
CJK = ("zh-Hans", "zh-Hant", "ja", "ko")
LOCALES = ["en", *sorted(p.name.replace("_", "-") for p in (ROOT / "locales").iterdir() if p.is_dir())]
REGIONAL = "直骨角写次"  # glyphs that differ by region (次 also tells Japanese from Korean)


@pytest.fixture(scope="module")
def writer() -> PdfWriter:
    return PdfWriter(prepare_fonts(), [ROOT / "templates"])


def html(body: str, lang: str = "en") -> str:
    return f'<!DOCTYPE html><html lang="{lang}"><head><title>t</title></head><body>{body}</body></html>'


@pytest.mark.parametrize("locale", sorted(SAMPLES))
def test_every_script_renders_with_its_declared_font(
    writer: PdfWriter, tmp_path: Path, locale: str, weasyprint_log: Recorder
) -> None:
    declaration = load_font_declaration()
    before = len(weasyprint_log.records)
    pdf = tmp_path / f"{locale}.pdf"
    css = writer.fonts.stylesheet([locale])
    writer.write_pdf(html(f"<p>{SAMPLES[locale]}</p>", locale), ROOT / "templates", pdf, css)
    assert not [r for r in weasyprint_log.records[before:] if r.levelname == "WARNING"]  # no .notdef
    names = embedded_font_names(pdf)
    families = [family.replace(" ", "-") for family in declaration.families_for(locale)]
    assert any(name.startswith(families[0]) for name in names), (locale, names)
    assert all(any(name.startswith(f) for f in families) for name in names), (locale, names)
    # Arabic marks and Khmer pre-base vowels (ែ drawn before ខ) do not extract in reading order today.
    assert squeeze(SAMPLES[locale].split(":")[0]) in squeeze(page_texts(pdf)[0]) or locale in ("ar", "fa", "ur", "km")


def picture(writer: PdfWriter, tmp_path: Path, name: str, body: str, lang: str) -> Image.Image:
    pdf = tmp_path / f"{name}.pdf"
    css = writer.fonts.stylesheet(list(CJK))
    writer.write_pdf(html(body, lang), ROOT / "templates", pdf, css)
    (png,) = rasterise(pdf, tmp_path / "png", name, dpi=40)
    return Image.open(png).convert("L")


def test_cjk_locales_get_their_own_regional_glyph_shapes(writer: PdfWriter, tmp_path: Path) -> None:
    declaration = load_font_declaration()
    style = "font-size: 48pt; margin: 0"
    shapes = {}
    for locale in CJK:
        family = declaration.families_for(locale)[0]
        drawn = picture(writer, tmp_path, locale, f'<p style="{style}">{REGIONAL}</p>', locale)
        reference = picture(
            writer, tmp_path, f"{locale}-ref", f"<p style=\"{style}; font-family: '{family}'\">{REGIONAL}</p>", "und"
        )
        assert ImageChops.difference(drawn, reference).getbbox() is None, f"{locale} is not drawn with {family}"
        shapes[locale] = drawn
    # The four regions really differ: the comparison above could not pass by accident.
    for a in CJK:
        for b in CJK:
            if a < b:
                assert ImageChops.difference(shapes[a], shapes[b]).getbbox() is not None, (a, b)


def body_font_size(pdf: Path) -> float:
    """The font size most characters of the first page are set in, in points."""
    sizes: Counter[float] = Counter()

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        scale = abs(tm[0] * cm[0]) or 1
        if text.strip():
            sizes[round(size * scale, 1)] += len(text.strip())

    PdfReader(pdf).pages[0].extract_text(visitor_text=visit)
    return sizes.most_common(1)[0][0]


@pytest.mark.parametrize("locale", ["en", "es", "ar", "zh-Hans"])
def test_page_budget_at_twelve_point_body_text(built: dict[str, Job], locale: str) -> None:
    job = built[locale]
    assert body_font_size(job.output) >= 12
    assert len(PdfReader(job.output).pages) <= job.handout.pages


@pytest.mark.parametrize("locale", LOCALES)
def test_outline_equals_the_headings_and_levels_never_skip(built: dict[str, Job], locale: str) -> None:
    job = built[locale]
    reader = PdfReader(job.output)

    def titles(outline: list[object]) -> list[str]:
        found: list[str] = []
        for item in outline:
            found.extend(titles(item) if isinstance(item, list) else [item.title])  # type: ignore[attr-defined]
        return found

    headings = [h.text for h in (job.handout.title, *(b.message for b in job.handout.blocks if hasattr(b, "level")))]
    assert len(titles(reader.outline)) == len(headings)
    levels = [int(t[2]) for t in structure_types(job.output) if len(t) == 3 and t.startswith("/H")]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    metadata = reader.metadata
    assert metadata is not None and metadata.subject and metadata.author == job.brand.name
    assert job.locale.tag in (metadata.get("/Keywords") or "")


@pytest.fixture(scope="module")
def sample_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample handout (lists, a table, a figure) in a project of its own."""
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(ROOT / "tests/roots/sample/content", root / "content")
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "brands", root / "brands")
    (root / "locales").mkdir()
    return root


@pytest.mark.parametrize("paper", ["letter", "a4"])
@pytest.mark.parametrize("locale", ["en", "en-XA"])
def test_lists_tables_and_figures_are_tagged(sample_project: Path, tmp_path: Path, locale: str, paper: str) -> None:
    (job,) = build(Project(sample_project, tmp_path), BuildOptions((locale,), ("example",), paper=paper))
    types = structure_types(job.output)
    for tag in ("/H1", "/H2", "/L", "/LI", "/Table", "/TR", "/TH", "/TD", "/Figure"):
        assert tag in types, (tag, types)
    assert types.count("/L") == 2
    alts = figure_alt_texts(job.output)
    logo = f"Logo of {job.brand.name}"
    assert logo in alts or any(alt.startswith("[") and job.brand.name in alt for alt in alts)
    expected = "A drawing of a vein and a needle."
    assert any(expected in alt or alt.startswith("[") for alt in alts if job.brand.name not in alt)
    assert str(catalog(job.output)["/Lang"]) == locale
    width = float(PdfReader(job.output).pages[0].mediabox.width)
    assert round(width) == (612 if paper == "letter" else 595)


CLOSING_PUNCTUATION = "，。、：；？！）」』》"


def test_cjk_lines_never_start_with_closing_punctuation(built: dict[str, Job]) -> None:
    """Pango keeps closing punctuation off the start of a line (kinsoku); WeasyPrint relies on it."""
    lines = [line.strip() for page in page_texts(built["zh-Hans"].output) for line in page.splitlines()]
    chinese = [line for line in lines if any("\u4e00" <= c <= "\u9fff" for c in line)]
    assert len(chinese) > 20
    assert not [line for line in chinese if line[0] in CLOSING_PUNCTUATION]


def test_patient_text_is_not_hyphenated_by_default(built: dict[str, Job]) -> None:
    """CMS Toolkit: no words broken at line ends, in any language, unless the brand opts in
    (tests/test_editions.py builds that case)."""
    hyphenated = {tag: "\u2010\n" in "".join(page_texts_raw(job.output)) for tag, job in built.items()}
    assert not any(hyphenated.values()), [tag for tag, broken in hyphenated.items() if broken]


def page_texts_raw(pdf: Path) -> list[str]:
    import subprocess

    return [
        subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    ]


@pytest.fixture(scope="module")
def arabic_sample(sample_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Job:
    """The sample handout (bullets, numbered steps) in Arabic, from catalogs made for the test."""
    import polib

    from handouts.pipeline import extract, init

    project = Project(sample_project, tmp_path_factory.mktemp("ar-out"))
    extract(project)
    if not (sample_project / "locales/ar").exists():
        init(project, "ar")
    for path in (sample_project / "locales/ar/LC_MESSAGES").glob("*.po"):
        po = polib.pofile(str(path))
        for entry in po:
            entry.msgstr = f"نص {entry.msgid}" if entry.msgid[:1].isalpha() else entry.msgid
        po.save(str(path))
    (job,) = build(project, BuildOptions(("ar",), ("example",), draft=True))
    return job


def test_right_to_left_list_markers_stand_on_the_right(arabic_sample: Job) -> None:
    from .pdftools import words_with_boxes

    words = words_with_boxes(arabic_sample.output)
    bullets = [w for w in words if w.text == "•"]
    numbers = [w for w in words if w.text in ("1.", ".1")]
    assert len(bullets) == 2 and numbers
    for marker in [*bullets, *numbers]:
        line = [w for w in words if w.page == marker.page and abs(w.y_min - marker.y_min) < 3 and w is not marker]
        assert line and all(w.x_max <= marker.x_min for w in line), f"{marker.text} is not right of its item"


def test_a_brand_font_is_used_only_where_it_covers_the_letters(sample_project: Path, tmp_path: Path) -> None:
    """A clinic's own Latin font (here Noto Serif cut down to ASCII) serves English, not Spanish."""
    from fontTools import subset

    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(".git", ".venv", "dist", ".cache", "tests"))
    brand_dir = project / "brands/example"
    options = subset.Options()
    options.name_IDs = ["*"]
    font = subset.load_font("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf", options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=range(0x20, 0x7F))
    subsetter.subset(font)
    font.save(brand_dir / "ClinicSerif-Regular.ttf")
    toml = brand_dir / "brand.toml"
    toml.write_text(toml.read_text() + '\n[font]\nfamily = "Clinic Serif"\nregular = "ClinicSerif-Regular.ttf"\n')
    result = build(Project(project, tmp_path / "out"), BuildOptions(("en", "es"), ("example",)))
    jobs = {job.locale.tag: job for job in result}
    assert any(name.startswith("Clinic-Serif") for name in embedded_font_names(jobs["en"].output))
    assert not any(name.startswith("Clinic-Serif") for name in embedded_font_names(jobs["es"].output))


def test_thumbnails_picture_every_page_and_a_contact_sheet(shipped: Path, tmp_path: Path) -> None:
    from handouts.pipeline import thumbnails

    written = thumbnails(Project(shipped, tmp_path / "dist"), tmp_path / "thumbs", ["en", "ar"], ["example"])
    pages = [p for p in written if p.parent.name in ("en", "ar")]
    sheet = tmp_path / "thumbs/example/ketamine-infusions.png"
    assert sheet in written
    assert len(pages) == sum(len(PdfReader(p).pages) for p in (tmp_path / "dist/example").rglob("*.pdf"))
    with Image.open(sheet) as image, Image.open(pages[0]) as page:
        assert image.width > 2 * page.width  # two locales side by side
        assert image.getextrema() != ((255, 255), (255, 255), (255, 255))


def test_slow_subsetting_is_reported_once(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from weasyprint.text import ffi

    from handouts import pdf

    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    monkeypatch.setattr(pdf.warn_if_subsetting_is_slow, "done", False, raising=False)
    with caplog.at_level("WARNING", logger="handouts"):
        pdf.warn_if_subsetting_is_slow()
        pdf.warn_if_subsetting_is_slow()
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "libharfbuzz-subset" in caplog.records[0].getMessage()


def test_a_missing_font_file_names_the_file_and_its_package(tmp_path: Path) -> None:
    from handouts.errors import ErrorGroup, FontError

    declaration = tmp_path / "fonts.toml"
    declaration.write_text(
        'search_paths = ["/usr/share/fonts/truetype/noto"]\n'
        '[scripts.latin]\nfamily = "Noto Sans"\npackage = "fonts-noto-core"\nregular = "NotoSans-Regular.ttf"\n'
        '[scripts.ethiopic]\nfamily = "Abyssinica SIL"\npackage = "fonts-sil-abyssinica"\n'
        'regular = "AbyssinicaSIL-Regular.ttf"\n'
        '[languages]\ndefault = ["latin"]\nam = ["ethiopic", "latin"]\n'
    )
    with pytest.raises((FontError, ErrorGroup)) as info:
        prepare_fonts(tmp_path / "cache", load_font_declaration(declaration))
    message = str(info.value)
    assert "'AbyssinicaSIL-Regular.ttf'" in message and "'fonts-sil-abyssinica'" in message
    assert "fonts.toml: scripts.ethiopic" in message


def test_a_declared_family_is_drawn_from_its_files_whatever_their_own_name(tmp_path: Path) -> None:
    """Fontconfig gives each declared file the family, weight and slant its declaration names (the
    pages name families, not files): a font declared as "Clinic Face" is drawn as such, and its
    bold file draws bold text, although the font itself says it is Noto Serif. A process loads
    one font declaration, so the page is rendered in a process of its own."""
    declaration = tmp_path / "fonts.toml"
    declaration.write_text(
        'search_paths = ["/usr/share/fonts/truetype/noto"]\n'
        '[scripts.latin]\nfamily = "Clinic Face"\npackage = "fonts-noto-core"\n'
        'regular = "NotoSerif-Regular.ttf"\nbold = "NotoSerif-Bold.ttf"\n'
        '[scripts.greek]\ncodes = ["Grek"]\nfamily = "Noto Sans"\npackage = "fonts-noto-core"\n'
        'regular = "NotoSans-Regular.ttf"\nbold = "NotoSans-Bold.ttf"\n'
        '[languages]\ndefault = ["latin"]\n'
    )
    script = f"""
from pathlib import Path
from handouts.fonts import load_font_declaration, prepare_fonts
from handouts.pdf import PdfWriter
fonts = prepare_fonts(Path({str(tmp_path / "cache")!r}), load_font_declaration(Path({str(declaration)!r})))
page = '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><p>Take <b>two</b> tablets.</p></body></html>'
out = Path({str(tmp_path)!r})
PdfWriter(fonts, []).write_pdf(page, out, out / "page.pdf", fonts.stylesheet(["en"]))
"""
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, env={**os.environ, "FONTCONFIG_FILE": ""})
    assert embedded_font_names(tmp_path / "page.pdf") == {"Clinic-Face", "Clinic-Face-Bold"}
    assert embedded_font_programs(tmp_path / "page.pdf") == {("Noto Serif", "Regular"), ("Noto Serif", "Bold")}
    assert squeeze("Take two tablets.") in squeeze(page_texts(tmp_path / "page.pdf")[0])


def embedded_font_programs(pdf: Path) -> set[tuple[str, str]]:
    """The family and subfamily each embedded font program's own name table gives."""
    from io import BytesIO

    from fontTools.ttLib import TTFont

    found = set()
    for page in PdfReader(pdf).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = TTFont(BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            found.add((program["name"].getDebugName(1), program["name"].getDebugName(2)))
    return found


def test_the_logo_stands_at_the_right_on_right_to_left_pages(built: dict[str, Job]) -> None:
    """The letterhead is mirrored: the logo is drawn right of the clinic's name in Arabic."""
    import pikepdf

    def logo_x(pdf: Path) -> float:
        with pikepdf.open(pdf) as document:
            root = document.Root.StructTreeRoot
            stack = [root]
            while stack:
                node = stack.pop()
                kids = node.get("/K")
                items = list(kids) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
                for kid in items:
                    if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                        if kid.S == "/Figure":
                            return float(kid.A.BBox[0])
                        stack.append(kid)
        raise AssertionError("no figure")

    width = float(PdfReader(built["en"].output).pages[0].mediabox.width)
    assert logo_x(built["en"].output) < width / 3
    assert logo_x(built["ar"].output) > width / 2


def font_faces() -> list[tuple[Path, int]]:
    """Every face of every installed font file, the declared fonts among them, and the brands' fonts."""
    from fontTools.ttLib import TTCollection

    files = sorted(p for p in Path("/usr/share/fonts").rglob("*") if p.suffix in (".ttf", ".otf", ".ttc"))
    files += sorted((ROOT / "brands").rglob("*.woff"))
    faces = []
    for path in files:
        count = len(TTCollection(path, lazy=True).fonts) if path.suffix == ".ttc" else 1
        faces.extend((path, index) for index in range(count))
    return faces


def test_a_fonts_characters_are_read_as_fonttools_reads_them() -> None:
    """`character_map` reads a font's characters straight from its `cmap` subtable (formats 4, 12
    and 13) and leaves the rest to fontTools; both must agree on every installed face (the
    declared Noto fonts, CJK collections and the brands' WOFF fonts among them)."""
    from fontTools.ttLib import TTFont

    from handouts.fonts import character_map, read_cmap_characters

    faces = font_faces()
    declared = load_font_declaration()
    names = {path.name for path, _ in faces} | {f"{path.name}#{index}" for path, index in faces}
    assert names >= {script.files["regular"] for script in declared.scripts.values()}
    read_directly = 0
    for path, index in faces:
        with TTFont(path, fontNumber=index, lazy=True) as font:
            expected = frozenset(font.getBestCmap() or {})
        assert character_map(path, index) == expected, (path, index)
        read_directly += read_cmap_characters(path, index) is not None
    assert read_directly >= len(faces) - 4  # WOFF (compressed) files are fontTools' to read


def test_a_hostile_cmap_is_read_in_time_linear_in_the_file(tmp_path: Path) -> None:
    """A brand font is untrusted: 2,000 format 4 segments that each claim the whole BMP (131
    million characters, were each read) are read as one; groups of a format 12 table past
    U+10FFFF stop there."""
    import struct
    import time

    from handouts.fonts import read_cmap_characters

    def font(subtable: bytes) -> Path:
        cmap = struct.pack(">HHHHI", 0, 1, 3, 10, 12) + subtable
        directory = struct.pack(">4sHHHH", b"\0\1\0\0", 1, 16, 0, 0) + struct.pack(">4sIII", b"cmap", 0, 28, len(cmap))
        path = tmp_path / f"hostile{len(subtable)}.ttf"
        path.write_bytes(directory + cmap)
        return path

    count = 2_000
    segments = (
        struct.pack(">HHHHHHH", 4, 0, 0, 2 * count, 0, 0, 0)
        + struct.pack(f">{count}H", *[0xFFFE] * (count - 1), 0xFFFF)
        + b"\0\0"
        + struct.pack(f">{count}H", *[0] * (count - 1), 0xFFFF)
        + struct.pack(f">{count}H", *[1] * count)
        + struct.pack(f">{count}H", *[0] * count)
    )
    groups = [(0, 0xFFFFFFFF, 1)] * 100_000
    twelve = struct.pack(">HHIII", 12, 0, 16 + 12 * len(groups), 0, len(groups)) + b"".join(
        struct.pack(">III", *group) for group in groups
    )
    started = time.process_time()
    assert read_cmap_characters(font(segments), 0) == frozenset(range(0, 0xFFFF))  # 0xFFFF + 1 maps to glyph 0
    assert read_cmap_characters(font(twelve), 0) == frozenset(range(0, 0x110000))
    assert time.process_time() - started < 2
