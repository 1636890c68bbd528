"""The package's layers import downward only; WeasyPrint and Jinja each live behind one module."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "handouts"
# Each module may import only modules of a lower layer.
LAYERS = [
    {"errors", "__init__"},
    {"buildcache", "paths", "gnu", "workers"},
    {"plurals", "scripts"},
    {"locales", "fonts", "numbers", "logos", "status"},
    {"config", "content"},
    {"extract"},
    {"pseudo"},
    {"catalogs"},
    {"checks", "merge"},
    {"coverage", "provenance", "readability"},
    {"weasyprint_ext"},
    {"render", "pdf", "thumbnails"},
    {"pipeline"},
    {"release"},
    {"cli"},
    {"__main__"},
]


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(local modules, top-level third-party packages) imported anywhere in a module."""
    local, external = set(), set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if node.module:
                    local.add(node.module.split(".")[0])
                else:  # `from . import x`: x is a module, or a name from __init__
                    local.update(a.name if (PACKAGE / f"{a.name}.py").exists() else "__init__" for a in node.names)
            elif node.module:
                external.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            external.update(alias.name.split(".")[0] for alias in node.names)
    return local, external


def layer_of(module: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if module in layer)


def test_every_module_has_a_layer() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules == set().union(*LAYERS)


def test_layers_import_downward_only() -> None:
    for path in PACKAGE.glob("*.py"):
        local, _ = imports_of(path)
        for module in local - {"__init__"}:
            assert layer_of(module) < layer_of(path.stem), f"{path.name} imports {module}"


def test_weasyprint_and_jinja_each_behind_one_module() -> None:
    for path in PACKAGE.glob("*.py"):
        _, external = imports_of(path)
        if "weasyprint" in external:
            assert path.stem in ("pdf", "weasyprint_ext"), path
        if "jinja2" in external:
            assert path.stem == "render", path


def test_the_weasyprint_extension_is_used_by_the_pdf_module_alone() -> None:
    for path in PACKAGE.glob("*.py"):
        local, _ = imports_of(path)
        if "weasyprint_ext" in local:
            assert path.stem == "pdf", path
