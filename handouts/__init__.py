"""Clinic handouts: gettext catalogs + Jinja templates + WeasyPrint -> branded, accessible PDFs."""

__version__ = "0.1.0"
