"""The domain layers never import Textual or Rich, and browsing never imports openai."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import batchtui

DOMAIN_PACKAGES = (
    "core",
    "jsonl",
    "query",
    "validation",
    "api",
    "results",
    "emulator",
    "cost",
    "convert",
    "jobs",
)


def domain_modules() -> list[str]:
    names = ["batchtui", "batchtui.cli"]
    for pkg in DOMAIN_PACKAGES:
        names.append(f"batchtui.{pkg}")
        path = [f"{batchtui.__path__[0]}/{pkg}"]
        names.extend(f"batchtui.{pkg}.{m.name}" for m in pkgutil.iter_modules(path))
    return names


def imported_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split(".")[0] for line in out.split()}


def first_to_load(modules: list[str], banned: tuple[str, ...]) -> str | None:
    """Import ``modules`` one after another in a fresh interpreter and name the first after
    which a ``banned`` package is loaded (one process a package, not one a module: the
    suite's time is spent starting interpreters otherwise)."""
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"    if any(m.split('.')[0] in {banned!r} for m in list(sys.modules)):\n"
        "        print(name); break\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    return out or None


@pytest.mark.parametrize("package", ["batchtui", "batchtui.cli", *DOMAIN_PACKAGES])
def test_domain_module_does_not_import_textual_or_rich(package: str) -> None:
    if package in ("batchtui", "batchtui.cli"):
        modules = [package]
    else:
        top = f"batchtui.{package}"
        modules = [m for m in domain_modules() if m == top or m.startswith(top + ".")]
    offender = first_to_load(modules, ("textual", "rich"))
    assert offender is None, f"{offender} imports textual or rich"


def test_cli_help_and_browsing_path_do_not_import_openai() -> None:
    code = (
        "import batchtui.cli.entry as c, batchtui.ui.app, batchtui.ui.screens.file\n"
        "c._subcommand_parser()"
    )
    assert "openai" not in imported_after(code)


@pytest.mark.parametrize("module", [m for m in domain_modules() if m.startswith("batchtui.core")])
def test_core_imports_nothing_else_of_batchtui(module: str) -> None:
    code = f"import {module}\nimport sys; print('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    others = {m for m in out if m.startswith("batchtui.") and not m.startswith("batchtui.core")}
    assert not others, f"{module} imports {sorted(others)}"


def test_provider_profiles_do_not_load_the_validator() -> None:
    """The browser checks a file's limits at open: the profiles must stay light."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import batchtui.validation.providers, sys; print('\\n'.join(sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    heavy = {"batchtui.validation.engine", "batchtui.validation.checks", "openai"}
    assert not heavy & set(loaded), sorted(heavy & set(loaded))


def test_every_package_has_its_place_in_the_layer_contract() -> None:
    """A new package outside the import-linter layers would be checked by nothing."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((Path(batchtui.__path__[0]).parent / "pyproject.toml").read_text())
    contracts = pyproject["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    named = {name.strip(" ()") for layer in layers for name in layer.split("|")}
    packages = {m.name for m in pkgutil.iter_modules(batchtui.__path__) if m.ispkg}
    assert packages - {"examples"} <= named, sorted(packages - {"examples"} - named)
