"""Reproducible installs: uv.lock agrees with pyproject.toml and is what the environment holds."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
UV = Path(sys.executable).parent / "uv"
# Packages `python -m venv` puts in every environment; the lock does not manage them.
VENV_SEEDS = {"pip", "setuptools"}


def lock() -> dict:
    return tomllib.loads((ROOT / "uv.lock").read_text())


def locked_versions() -> dict[str, str]:
    return {canonicalize_name(p["name"]): p["version"] for p in lock()["package"]}


def uv_lock_check(project: Path, *, offline: bool = True) -> subprocess.CompletedProcess:
    """`uv lock --check --offline` in `project`, as `make lock-check` runs it.

    A pyproject.toml that no longer matches the lock makes uv resolve again, which reads
    the registry's metadata: offline, that works only with a warm cache, so those checks
    may go to the registry (on a new machine the cache holds only what was installed).
    """
    return subprocess.run(
        [str(UV), "lock", "--check", *(["--offline"] if offline else [])],
        cwd=project,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def copy_project(tmp_path: Path) -> Path:
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_lock_agrees_with_pyproject():
    result = uv_lock_check(ROOT)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "edit",
    [
        # six is already locked (python-dateutil needs it): the check needs no network.
        pytest.param(
            lambda text: text.replace('    "pypdf>=', '    "six>=1.16",\n    "pypdf>='), id="added"
        ),
        pytest.param(lambda text: re.sub(r'\n    "icalendar[^\n]*', "", text), id="removed"),
    ],
)
def test_the_check_fails_when_pyproject_changes_without_the_lock(tmp_path, edit):
    project = copy_project(tmp_path)
    pyproject = project / "pyproject.toml"
    before = pyproject.read_text()
    pyproject.write_text(edit(before))
    assert pyproject.read_text() != before

    result = uv_lock_check(project, offline=False)

    assert result.returncode != 0
    assert "needs to be updated" in result.stderr


def test_every_dependency_of_pyproject_is_pinned_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [
        *project["dependencies"],
        *(r for extra in project["optional-dependencies"].values() for r in extra),
    ]
    versions = locked_versions()
    for line in requirements:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in versions, f"{name} is in pyproject.toml but not in uv.lock"
        assert requirement.specifier.contains(versions[name], prereleases=True), (
            f"uv.lock pins {name} {versions[name]}, outside {requirement.specifier}"
        )


def test_every_locked_package_has_hashes():
    for package in lock()["package"]:
        if package.get("source", {}).get("registry"):
            files = [
                *package.get("wheels", []),
                *([package["sdist"]] if "sdist" in package else []),
            ]
            assert files and all(f["hash"].startswith("sha256:") for f in files), package["name"]


def test_the_environment_holds_exactly_the_locked_versions():
    versions = locked_versions()
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }
    drift = {
        name: (version, versions.get(name))
        for name, version in installed.items()
        if name not in VENV_SEEDS and versions.get(name) != version
    }
    assert not drift, f"installed version differs from uv.lock (installed, locked): {drift}"


def test_installs_use_the_lock_and_the_uv_it_pins():
    makefile = (ROOT / "Makefile").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --locked" in makefile.replace("$(UV)", "uv")
    assert "uv sync --locked" in dockerfile
    assert "COPY pyproject.toml uv.lock" in dockerfile
    # Both read the uv version from the lock rather than restating it.
    assert "uv.lock" in re.search(r"^UV_VERSION = .*$", makefile, re.MULTILINE).group()
    assert re.search(r"pip install .*uv==\$\(sed .* uv\.lock\)", dockerfile)
    assert "uv" in locked_versions()
