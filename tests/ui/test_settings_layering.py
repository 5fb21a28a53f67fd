"""The settings screens moved onto the workspace reach amoCRM, 1C and the database only through backend.sync
(issue 12): no model, no client (their error classes aside), no query of their own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import backend

SCREENS = ("mapping", "rules", "handlers", "log", "automation", "outbox")
ALLOWED = ("backend.amocrm.errors", "backend.onec.errors")
FORBIDDEN = ("backend.models", "backend.amocrm", "backend.onec", "backend.textsql", "tortoise")


def imports_of(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("screen", SCREENS)
def test_a_settings_screen_goes_through_the_workspace(screen: str) -> None:
    source = (Path(backend.__file__).parent / "ui" / "settings" / f"{screen}.py").read_text(encoding="utf-8")
    for module in imports_of(source):
        if module in ALLOWED:
            continue
        assert not any(module == name or module.startswith(f"{name}.") for name in FORBIDDEN), module
    for query in (".filter(", "Q(", "QuerySet", ".get_or_none(", "amocrm_of(", "services_of("):
        assert query not in source, query
