"""pyproject.toml declares what the code imports, each below its next major release.

A fresh clone installs from pyproject alone (CI does): a package imported but not declared
works only where something else happened to bring it, and one without an upper bound breaks
the day its next major release comes out.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from functools import cache

from packaging.requirements import Requirement

from portal.config import PROJECT_ROOT

FIRST_PARTY = {"portal", "admin", "onramp", "tests", "bench"}
RUNTIME_PACKAGES = ("portal", "admin", "onramp")
DEVELOPMENT_FOLDERS = ("tests", "bench")


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def project() -> dict:
    with open(PROJECT_ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]


def requirements(*, extras: tuple[str, ...] = ()) -> list[Requirement]:
    declared = list(project()["dependencies"])
    for extra in extras:
        declared += project()["optional-dependencies"][extra]
    return [Requirement(line) for line in declared]


def imported_modules(folder: str) -> dict[str, set[str]]:
    """Top-level modules imported by the files under ``folder``: name → importing files."""
    found: dict[str, set[str]] = {}
    for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
        local = {sibling.stem for sibling in path.parent.glob("*.py")}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in FIRST_PARTY or top in local:
                    continue
                found.setdefault(top, set()).add(str(path.relative_to(PROJECT_ROOT)))
    return found


@cache
def installed_modules() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distributions_of(module: str) -> set[str]:
    return {normalised(name) for name in installed_modules()[module]}


def undeclared(folders: tuple[str, ...], declared: list[Requirement]) -> list[str]:
    names = {normalised(requirement.name) for requirement in declared}
    problems = []
    for folder in folders:
        for module, files in sorted(imported_modules(folder).items()):
            if module not in installed_modules():
                problems.append(f"{module} (imported by {', '.join(sorted(files))}) is missing")
            elif not distributions_of(module) & names:
                problems.append(
                    f"{module} (from {' or '.join(sorted(distributions_of(module)))}) is imported "
                    f"by {', '.join(sorted(files))} but not declared"
                )
    return problems


def test_the_app_imports_only_declared_runtime_dependencies():
    assert undeclared(RUNTIME_PACKAGES, requirements()) == []


def test_tests_and_benchmarks_import_only_declared_dependencies():
    assert undeclared(DEVELOPMENT_FOLDERS, requirements(extras=("test",))) == []


def test_every_dependency_has_an_upper_bound():
    unbounded = [
        str(requirement)
        for requirement in requirements(extras=tuple(project()["optional-dependencies"]))
        if not any(spec.operator in ("<", "<=", "==", "~=") for spec in requirement.specifier)
    ]
    assert unbounded == []


def test_the_installed_versions_satisfy_the_declared_ranges():
    wrong = []
    for requirement in requirements(extras=tuple(project()["optional-dependencies"])):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            wrong.append(f"{requirement} is not installed")
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement.name} {version} is outside {requirement.specifier}")
    assert wrong == []


def test_the_check_sees_an_undeclared_import(tmp_path, monkeypatch):
    """The scan itself must notice a package that is imported and not declared."""
    monkeypatch.setattr(sys.modules[__name__], "PROJECT_ROOT", tmp_path)
    (tmp_path / "portal").mkdir()
    (tmp_path / "portal" / "feature.py").write_text("import yaml\nfrom litestar import get\n")
    problems = undeclared(("portal",), requirements())
    assert len(problems) == 1
    assert problems[0].startswith("yaml (from pyyaml) is imported by portal/feature.py")


def test_the_declared_names_are_real_distributions():
    for requirement in requirements(extras=tuple(project()["optional-dependencies"])):
        if requirement.marker is None or requirement.marker.evaluate():
            assert importlib.metadata.distribution(requirement.name) is not None
