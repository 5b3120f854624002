"""The layering of DESIGN.md ("The house"), read from the source with ``ast``.

Data flows one way: ``mdps`` → ``theory`` → ``checks`` → (``figures``, CLI, tests). ``mdps``
never imports ``theory``; ``theory`` never imports ``checks`` or ``figures``; ``figures``
imports only ``theory`` and ``mdps`` (and itself, the standard library and third-party
packages). Every import counts, also one inside a function. And a module does not reach into
another module for its ``_private`` names ("Public face, private rooms"), tests excepted.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The project's top-level packages: every directory of the repository holding Python files.
PROJECT = sorted(
    p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".") and any(p.rglob("*.py"))
)

#: package -> the project packages it may import (anything outside the project is allowed:
#: the standard library and third-party packages such as numpy, scipy and matplotlib).
ALLOWED = {
    "mdps": {"mdps"},
    "theory": {"theory", "mdps"},
    "figures": {"figures", "theory", "mdps"},
}


def _module_name(path: Path) -> str:
    """``figures/sampling.py`` -> ``figures.sampling``; ``figures/__init__.py`` -> ``figures``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module imported from, names) of every import in ``path``, relative ones resolved.

    ``import a.b`` gives ("a.b", []); ``from a.b import c, d`` gives ("a.b", ["c", "d"]).
    """
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: ``from .x import y`` inside package p is p.x
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            out.append((node.lineno, base, [alias.name for alias in node.names]))
    return out


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_the_project_is_found():
    assert {"checks", "figures", "mdps", "theory"} <= set(PROJECT)
    for package in ALLOWED:
        assert _sources(package), f"no Python files under {package}/"


def _layer_violations(package: str) -> list[str]:
    """Imports in ``package`` of a project package it may not import."""
    forbidden = set(PROJECT) - ALLOWED[package]
    return [
        f"{path.relative_to(ROOT)}:{line}: imports {target}"
        for path in _sources(package)
        for line, target, _ in _imports(path)
        if target.split(".")[0] in forbidden
    ]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_the_layers_below_them(package):
    bad = _layer_violations(package)
    assert not bad, f"{package} may import only {sorted(ALLOWED[package])} of the project:\n" + "\n".join(bad)


def test_the_layer_rule_flags_what_it_must(tmp_path, monkeypatch):
    """Negative control: an upward import is flagged in each layer; stdlib, third-party and
    allowed project imports are not."""
    files = {
        "mdps/a.py": "import numpy\nfrom mdps.b import x\nfrom theory.solvers import value_scale\n",
        "theory/a.py": "import os\nfrom mdps import FiniteMDP\ndef f():\n    import figures.style\n",
        "figures/a.py": "import matplotlib\nfrom theory import kl\nfrom checks.base import fold\n",
        "checks/a.py": "",
        "tests/test_a.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PROJECT", ["checks", "figures", "mdps", "tests", "theory"])
    assert _layer_violations("mdps") == ["mdps/a.py:3: imports theory.solvers"]
    assert _layer_violations("theory") == ["theory/a.py:4: imports figures.style"]
    assert _layer_violations("figures") == ["figures/a.py:3: imports checks.base"]


def _private_imports() -> list[str]:
    """``from X import _name`` in a non-test module, X another module of the project.

    Allowed: a package's own private submodules (``from checks import _common`` inside checks),
    dunder names, and a module importing from itself.
    """
    bad = []
    for package in PROJECT:
        if package == "tests":
            continue
        for path in _sources(package):
            importer = _module_name(path)
            for line, target, names in _imports(path):
                if target.split(".")[0] not in PROJECT or target == importer:
                    continue
                for name in names:
                    if not name.startswith("_") or (name.startswith("__") and name.endswith("__")):
                        continue
                    submodule = ROOT.joinpath(*target.split("."), name)
                    own_package = importer == target or importer.startswith(target + ".")
                    if own_package and (submodule.with_suffix(".py").exists() or submodule.is_dir()):
                        continue
                    bad.append(f"{path.relative_to(ROOT)}:{line}: from {target} import {name}")
    return bad


def test_no_module_imports_another_modules_private_names():
    bad = _private_imports()
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def test_the_import_reader_sees_what_it_must(tmp_path, monkeypatch):
    """Negative control: the reader finds top-level, nested and relative imports."""
    pkg = tmp_path / "figures"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    src = pkg / "fig.py"
    src.write_text(
        "import numpy as np\n"
        "from checks.base import exact_optimum\n"
        "def f():\n"
        "    import checks.mcts\n"
        "    from .style import _hidden\n"
        "    from theory.bellman import _sweep\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    found = {(target, tuple(names)) for _, target, names in _imports(src)}
    assert found == {
        ("numpy", ()),
        ("checks.base", ("exact_optimum",)),
        ("checks.mcts", ()),
        ("figures.style", ("_hidden",)),
        ("theory.bellman", ("_sweep",)),
    }


def test_the_private_import_rule_flags_what_it_must(tmp_path, monkeypatch):
    """Negative control: another module's private name is flagged, in any package but tests;
    a package's own private submodule and dunder names are not."""
    files = {
        "a/__init__.py": "",
        "a/_room.py": "",
        "a/x.py": "from a import _room\nfrom a.y import _helper\nfrom b import __version__\n",
        "a/y.py": "_helper = 1\n",
        "b/__init__.py": "",
        "b/z.py": "from a import _room\nfrom a.x import public\n",
        "tests/test_t.py": "from a.y import _helper\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PROJECT", ["a", "b", "tests"])
    assert _private_imports() == ["a/x.py:2: from a.y import _helper", "b/z.py:1: from a import _room"]
