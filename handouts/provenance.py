"""Where a translation came from, and what the printed page may say about it.

A catalog's `X-Translation-Method` is `machine-draft`, `human` or `human-reviewed`. A handout in a
language uses two catalogs (its own and the templates'); its status is the weaker of the two, and
the catalogs at that level are the ones holding it back. `human-reviewed` counts only with a
reviewer's name and a valid review date; `check` reports a catalog that claims it without them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .catalogs import TRANSLATION_METHODS, Catalog, LocaleCatalogs
from .checks import Problem
from .content import Handout
from .extract import TEMPLATES_DOMAIN

SOURCE = "source"  # the English original needs no translation
REVIEWED = "human-reviewed"


@dataclass(frozen=True)
class Provenance:
    """The status of one handout in one language: the weakest method of the catalogs it uses."""

    method: str  # "source", or one of TRANSLATION_METHODS
    held_back_by: tuple[Path, ...] = ()  # the catalogs at that method, when it is not human-reviewed

    def as_dict(self) -> dict[str, object]:
        return {"method": self.method, "held_back_by": [str(p) for p in self.held_back_by]}


def review_date(catalog: Catalog) -> dt.date | None:
    value = str(catalog.po.metadata.get("X-Review-Date", "")).strip()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def effective_method(catalog: Catalog) -> str:
    """The catalog's method; `human-reviewed` without a reviewer or a valid date counts as `human`."""
    method = catalog.method
    if method == REVIEWED and (not str(catalog.po.metadata.get("X-Reviewer", "")).strip() or not review_date(catalog)):
        return "human"
    return method


def provenance_of(catalogs: LocaleCatalogs, domain: str) -> Provenance:
    """The status of a handout (its `domain`) in one locale, and which catalogs hold it back."""
    if catalogs.locale.is_source:
        return Provenance(SOURCE)
    used = [c for c in (catalogs.catalogs.get(domain), catalogs.catalogs.get(TEMPLATES_DOMAIN)) if c is not None]
    if not used:
        return Provenance("machine-draft")
    rank = {method: n for n, method in enumerate(TRANSLATION_METHODS)}
    weakest = min((effective_method(c) for c in used), key=rank.__getitem__)
    if weakest == REVIEWED:
        return Provenance(weakest)
    return Provenance(weakest, tuple(c.path for c in used if effective_method(c) == weakest))


def check_provenance(catalog: Catalog, handout: Handout | None, today: dt.date | None = None) -> list[Problem]:
    """A catalog marked `human-reviewed` names its reviewer and a review date that is a real date, not
    in the future, and not before the English version it was reviewed against (`last_reviewed`)."""
    if catalog.method != REVIEWED:
        return []
    today = today or dt.date.today()
    meta = catalog.po.metadata
    problems: list[tuple[str, str]] = []
    if not str(meta.get("X-Reviewer", "")).strip():
        problems.append(("X-Reviewer", "human-reviewed needs X-Reviewer: the qualified translator who reviewed it"))
    date = review_date(catalog)
    version = str(meta.get("X-Source-Version", "")).strip()
    if date is None:
        found = str(meta.get("X-Review-Date", "")).strip()
        problems.append(("X-Review-Date", f"human-reviewed needs X-Review-Date as YYYY-MM-DD (found {found!r})"))
    elif date > today:
        problems.append(("X-Review-Date", f"X-Review-Date {date.isoformat()} is in the future"))
    elif handout is not None and version == handout.source_version and date < handout.last_reviewed:
        problems.append(
            (
                "X-Review-Date",
                f"X-Review-Date {date.isoformat()} is before {handout.last_reviewed.isoformat()}, the date of the "
                f"English version {version} it says it reviewed",
            )
        )
    if handout is not None and version and version != handout.source_version:
        problems.append(
            (
                "X-Source-Version",
                f"reviewed against English version {version}, but the source is now version "
                f"{handout.source_version}: review the changes, then update X-Source-Version and X-Review-Date",
            )
        )
    return [
        Problem(
            catalog.path,
            catalog.header_line(key),
            "provenance",
            message,
            locale=catalog.locale.tag,
            domain=catalog.domain,
        )
        for key, message in problems
    ]
