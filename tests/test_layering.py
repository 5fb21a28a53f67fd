"""The layering of ARCHITECTURE.md, read off the import statements: `api`, `ui`, `oauth` → `sync` → `amocrm`, `onec`,
`models`, `store`. A surface reaches amoCRM, 1C and the database only through sync/; sync/ knows no HTTP framework
and no database driver; no two top-level parts of the backend import each other."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

BACKEND = Path(__file__).resolve().parent.parent / "backend"
SURFACES = ("backend.api", "backend.ui", "backend.oauth", "backend.webhooks", "backend.scrape")
# What a surface may take from the client packages: their error classes, nothing that calls out.
ALLOWED_FROM_CLIENTS = ("backend.amocrm.errors", "backend.onec.errors", "backend.amocrm.domains")
FORBIDDEN_IN_SURFACES = ("backend.models", "backend.amocrm", "backend.onec", "backend.store", "tortoise")
FORBIDDEN_IN_SYNC = (
    "starlette",
    "asyncpg",
    "backend.api",
    "backend.ui",
    "backend.oauth",
    "backend.webhooks",
    "backend.pages",
)


def modules() -> dict[str, Path]:
    """Every backend module by its dotted name (migrations and the fakes, which are not layers, left out)."""
    found = {}
    for path in BACKEND.rglob("*.py"):
        relative = path.relative_to(BACKEND.parent).with_suffix("")
        name = ".".join(part for part in relative.parts if part != "__init__")
        if not name.startswith(("backend.migrations", "backend.fakes", "backend.testing")):
            found[name] = path
    return found


def imports_of(path: Path, name: str) -> set[str]:
    """The modules a file imports, relative imports resolved, `from x import y` counted as x.y when y is one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


ALL = modules()
IMPORTS = {name: imports_of(path, name) for name, path in ALL.items()}


@pytest.mark.parametrize("module", sorted(name for name in ALL if within(name, SURFACES)))
def test_a_surface_reaches_the_domain_only_through_sync(module: str) -> None:
    wrong = sorted(
        imported
        for imported in IMPORTS[module]
        if within(imported, FORBIDDEN_IN_SURFACES)
        and not within(imported, ALLOWED_FROM_CLIENTS)
        and not any(imported.startswith(allowed) for allowed in ALLOWED_FROM_CLIENTS)
    )
    # `from backend.amocrm.errors import X` is also recorded as backend.amocrm.errors.X: allowed with its module
    assert wrong == [], f"{module} imports {wrong}: go through backend.sync (records, workspace) instead"


@pytest.mark.parametrize("module", sorted(name for name in ALL if within(name, ("backend.sync",))))
def test_the_domain_knows_no_http_framework_no_driver_and_no_surface(module: str) -> None:
    wrong = sorted(imported for imported in IMPORTS[module] if within(imported, FORBIDDEN_IN_SYNC))
    assert wrong == [], f"{module} imports {wrong}"


def top_level(module: str) -> str:
    """The part of the backend a module belongs to: backend.sync, backend.ui, backend.app…"""
    parts = module.split(".")
    return ".".join(parts[:2])


def test_no_two_parts_of_the_backend_import_each_other() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, imported in IMPORTS.items():
        for target in imported:
            if target.startswith("backend.") and top_level(target) != top_level(module):
                target_part = top_level(target)
                if any(within(name, (target_part,)) for name in ALL):
                    edges[top_level(module)].add(target_part)
    cycles = sorted(
        f"{first} ↔ {second}"
        for first, targets in list(edges.items())
        for second in targets
        if first < second and first in edges.get(second, set())
    )
    assert cycles == []
