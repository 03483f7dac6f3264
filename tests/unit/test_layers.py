"""The pure core does no I/O and knows no adapter (issue 13): its modules import no database, Asterisk,
web or network library, nothing from the adapter or entrypoint packages, never call `open`, and never read or
write a file through pathlib.

Checked on the source (ast), so a violation inside a function body or under TYPE_CHECKING counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_CORE = (
    "dialer/pacing",
    "dialer/rules",
    "dialer/compliance",
    "dialer/recovery",
    "dialer/floor.py",
    "dialer/placement.py",
    "dialer/outcomes.py",
    "dialer/callscripts",
)
FORBIDDEN_LIBRARIES = (
    "sqlalchemy",
    "aioari",
    "panoramisk",
    "fastapi",
    "starlette",
    "httpx",
    "psycopg",
    "boto3",
    "subprocess",
    "socket",
)
FORBIDDEN_PACKAGES = (
    "dialer.db",
    "dialer.adapters",
    "dialer.service",
    "dialer.telephony",
    "dialer.web",
    "dialer.entrypoints",
    "dialer.lab",
)
FORBIDDEN = FORBIDDEN_LIBRARIES + FORBIDDEN_PACKAGES
# pathlib's file I/O, called as a method (`path.read_text()`): the core gets text, never a path to read
FILE_METHODS = frozenset(
    {"open", "read_text", "write_text", "read_bytes", "write_bytes", "iterdir", "unlink", "mkdir", "touch"}
)


def core_modules() -> list[Path]:
    found: list[Path] = []
    for entry in PURE_CORE:
        path = ROOT / entry
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return found


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN)


def violations(source: str, path: Path) -> list[str]:
    """Each forbidden import or call in `source`, named with its line."""
    found: list[str] = []
    package = _module_of(path) if path.name == "__init__.py" else _module_of(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(source, filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            found.append(f"line {node.lineno}: calls open()")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__":
            found.append(f"line {node.lineno}: calls __import__()")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in FILE_METHODS:
            found.append(f"line {node.lineno}: calls .{node.func.attr}() (file I/O)")
        bad = sorted({t for t in targets if _is_forbidden(t)})
        if bad:
            found.append(f"line {node.lineno}: imports {bad[0]}")
    return found


def test_the_core_is_found() -> None:
    modules = core_modules()
    names = {_module_of(p) for p in modules}
    assert {"dialer.floor", "dialer.placement", "dialer.outcomes", "dialer.recovery.adoption"} <= names
    assert any(n.startswith("dialer.pacing.") for n in names)
    assert any(n.startswith("dialer.compliance.") for n in names)


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_core_module_has_no_io_and_no_adapter(path: Path) -> None:
    problems = violations(path.read_text(encoding="utf-8"), path)
    assert not problems, f"{path.relative_to(ROOT)}: " + "; ".join(problems)


@pytest.mark.parametrize(
    "planted",
    [
        "import sqlalchemy\n",
        "from sqlalchemy.orm import Session\n",
        "import aioari as ari\n",
        "from panoramisk import Manager\n",
        "from fastapi import APIRouter\n",
        "import starlette.requests\n",
        "import httpx\n",
        "import psycopg\n",
        "import boto3\n",
        "import subprocess\n",
        "import socket\n",
        "from dialer.db.models import Attempt\n",
        "from dialer import db\n",
        "from dialer.adapters.cdr_file import read_cdr_csv\n",
        "import dialer.service.ports\n",
        "from dialer.telephony.ari import AriClient\n",
        "from dialer.web import app\n",
        "from dialer.entrypoints import cli_serve\n",
        "from dialer.lab.asterisk import Lab\n",
        "from ..db import models\n",
        "def f(path):\n    with open(path) as fh:\n        return fh.read()\n",
        "def f(path):\n    return path.read_text(encoding='utf-8')\n",
        "def f(path):\n    with path.open() as fh:\n        return fh.read()\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from dialer.db.repository import Repository\n",
    ],
)
def test_a_planted_violation_is_caught(planted: str) -> None:
    path = ROOT / "dialer/recovery/planted.py"
    assert violations(planted, path), planted


@pytest.mark.parametrize(
    "allowed",
    [
        "from dialer.recovery.cdr import CdrRecord\n",
        "from dialer.dbx import thing\n",  # a name that only starts like a forbidden one
        "from pathlib import Path\n",
        "import socketserver_free_name\n",
        "def f(state):\n    return state.open\n",
        "from .reconcile import OpenAttempt\n",
    ],
)
def test_allowed_code_passes(allowed: str) -> None:
    assert violations(allowed, ROOT / "dialer/recovery/planted.py") == []
