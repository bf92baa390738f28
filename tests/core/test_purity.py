"""bot/core is the functional core: it must not import Slack, Bolt or SQLAlchemy."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = (
    "slack_sdk",
    "slack_bolt",
    "sqlalchemy",
    "storage",
    "handlers",
    "bot.services",
    "bot.slack",
)
CORE = Path(__file__).resolve().parents[2] / "bot" / "core"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_nothing_that_does_io() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 5
    offenders = {
        f"{path.relative_to(CORE)}: {name}"
        for path in files
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert not offenders, offenders


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from slack_sdk import WebClient\nimport sqlalchemy.orm\n")
    assert {"slack_sdk", "sqlalchemy.orm"} <= imported_modules(sample)
