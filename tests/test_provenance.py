"""The printed notice follows each catalog's X-Translation-Method; the weakest catalog decides."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polib
import pytest

from handouts.catalogs import load_catalog
from handouts.locales import get_locale
from handouts.pipeline import BuildOptions, Project, build
from handouts.provenance import check_provenance

from .pdftools import page_texts, squeeze
from .test_cli import run

MACHINE = "Draft translation: this translation was drafted by machine"
HUMAN = "Translation not yet reviewed: this translation was made by a person"


def set_headers(project: Path, locale: str, domain: str, **headers: str) -> Path:
    path = project / f"locales/{locale}/LC_MESSAGES/{domain}.po"
    po = polib.pofile(str(path))
    for key, value in headers.items():
        po.metadata[key.replace("_", "-")] = value
    po.save(str(path))
    return path


REVIEWED = {"X_Translation_Method": "human-reviewed", "X_Reviewer": "A. Reviewer, CMI", "X_Review_Date": "2026-11-15"}


def spanish(project: Path, english: str) -> str:
    """The Spanish of the notice that starts with `english`, as the project's catalog has it."""
    po = polib.pofile(str(project / "locales/es/LC_MESSAGES/templates.po"))
    (entry,) = [e for e in po if e.msgid.startswith(english)]
    assert entry.msgstr
    return squeeze(entry.msgstr)


def notice_text(project: Path, out: Path) -> str:
    (job,) = build(Project(project, out), BuildOptions(("es",), ("example",), force=True)).jobs
    return squeeze(" ".join(page_texts(job.output)))


def test_machine_draft_says_drafted_by_machine(tiny: Path, tmp_path: Path) -> None:
    text = notice_text(tiny, tmp_path)
    assert squeeze(MACHINE) in text and squeeze(HUMAN) not in text


def test_a_human_translation_says_so_and_not_machine(tiny: Path, tmp_path: Path) -> None:
    for domain in ("sample", "templates"):
        set_headers(tiny, "es", domain, X_Translation_Method="human")
    text = notice_text(tiny, tmp_path)
    assert squeeze(HUMAN) in text and squeeze(MACHINE) not in text
    assert spanish(tiny, HUMAN) in text and spanish(tiny, MACHINE) not in text  # in both languages


def test_reviewed_catalogs_print_no_notice(tiny: Path, tmp_path: Path) -> None:
    for domain in ("sample", "templates"):
        set_headers(tiny, "es", domain, **REVIEWED)
    text = notice_text(tiny, tmp_path)
    assert squeeze(HUMAN) not in text and squeeze(MACHINE) not in text
    assert spanish(tiny, HUMAN) not in text and spanish(tiny, MACHINE) not in text


def test_the_weakest_catalog_decides_and_stats_names_it(tiny: Path, tmp_path: Path) -> None:
    set_headers(tiny, "es", "sample", **REVIEWED)
    assert squeeze(MACHINE) in notice_text(tiny, tmp_path)  # templates.po is still a machine draft
    result = run("stats", "--locale", "es", "--format", "json", cwd=tiny)
    (status,) = json.loads(result.stdout)["handouts"]
    assert status["status"] == "machine-draft"
    assert status["held_back_by"] == ["locales/es/LC_MESSAGES/templates.po"]
    table = run("stats", "--locale", "es", cwd=tiny).stdout
    assert "machine-draft  locales/es/LC_MESSAGES/templates.po" in table


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X_Reviewer": ""}, "human-reviewed needs X-Reviewer"),
        ({"X_Review_Date": ""}, "human-reviewed needs X-Review-Date as YYYY-MM-DD (found '')"),
        ({"X_Review_Date": "15/11/2026"}, "needs X-Review-Date as YYYY-MM-DD (found '15/11/2026')"),
        ({"X_Review_Date": "2026-01-01"}, "is before 2026-01-15, the date of the English version 2.1"),
        ({"X_Source_Version": "0.9"}, "reviewed against English version 0.9, but the source is now version 2.1"),
        ({"X_Review_Date": "2999-01-01"}, "X-Review-Date 2999-01-01 is in the future"),
    ],
)
def test_a_claimed_review_must_be_complete(tiny: Path, headers: dict[str, str], expected: str) -> None:
    path = set_headers(tiny, "es", "sample", **{**REVIEWED, **headers})
    result = run("check", "--locale", "es", cwd=tiny)
    assert result.returncode == 1
    (line,) = [line for line in result.stdout.splitlines() if ": provenance: " in line]
    assert line.startswith("locales/es/LC_MESSAGES/sample.po:") and expected in line
    number = int(line.split(":")[1])
    key = "X-Reviewer" if "X-Reviewer" in expected else "X-Source-Version" if "against" in expected else "X-Review-Date"
    assert path.read_text().splitlines()[number - 1].startswith(f'"{key}:')
    assert run("build", "--locale", "es", "--brand", "example", cwd=tiny).returncode == 1


def test_an_incomplete_review_counts_as_not_reviewed(tiny: Path) -> None:
    """A catalog that claims a review without a reviewer never lifts the notice, whatever builds it."""
    from handouts.config import load_brand
    from handouts.pipeline import load_inputs
    from handouts.render import create_environment, render_html

    for domain in ("sample", "templates"):
        set_headers(tiny, "es", domain, **{**REVIEWED, "X_Reviewer": " "})
    inputs = load_inputs(Project.at(tiny), ["es"])
    html = render_html(
        create_environment(tiny / "templates"),
        inputs.handouts[0],
        inputs.catalogs["es"],
        load_brand(tiny / "brands/example/brand.toml"),
    )
    assert HUMAN in html and MACHINE not in html


def test_a_complete_review_passes(tiny: Path) -> None:
    path = set_headers(tiny, "es", "sample", **REVIEWED)
    catalog = load_catalog(path, get_locale("es"), "sample")
    from handouts.content import load_content

    (handout,) = load_content(tiny / "content")
    assert check_provenance(catalog, handout, today=dt.date(2026, 12, 1)) == []
    assert check_provenance(catalog, handout, today=dt.date(2026, 11, 14))  # reviewed "tomorrow"
