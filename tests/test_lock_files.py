"""The Docker image is built from hashed lock files, on a pinned base, with no pip left at run time.

Static checks only (no Docker engine, no network): the lock files are parsed and compared with the
ranges in pyproject.toml; the Dockerfile is read instruction by instruction. The lock files are
regenerated with ``tools/update-lock.sh`` (uv); building the image from them is proven by hand with a
real engine (README "Docker").
"""

from __future__ import annotations

import os
import re
import shlex
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PROJECT = Path(__file__).resolve().parents[1]
DOCKERFILE = PROJECT / "Dockerfile"
RUNTIME_LOCK = PROJECT / "requirements.lock"
BUILD_LOCK = PROJECT / "requirements-build.lock"
UPDATE_SCRIPT = PROJECT / "tools" / "update-lock.sh"
DOCKERIGNORE = PROJECT / ".dockerignore"

#: A Python base image pinned to a Debian release, e.g. python:3.12-slim-bookworm (not python:3.12-slim,
#: whose Debian moves under it).
PINNED_BASE = re.compile(r"^python:(?P<python>3\.\d+)(?:\.\d+)?-slim-(?P<debian>bookworm|trixie|forky)$")


def pyproject() -> dict[str, object]:
    with open(PROJECT / "pyproject.toml", "rb") as fh:
        data: dict[str, object] = tomllib.load(fh)
    return data


def runtime_requirements() -> list[Requirement]:
    project = pyproject()["project"]
    assert isinstance(project, dict)
    return [Requirement(r) for r in project["dependencies"]]


def build_requirements() -> list[Requirement]:
    build = pyproject()["build-system"]
    assert isinstance(build, dict)
    return [Requirement(r) for r in build["requires"]]


def parse_lock(path: Path) -> dict[str, tuple[Version, list[str]]]:
    """{canonical name: (pinned version, [sha256 hashes])}; anything but a hashed ``name==version`` fails."""
    assert path.is_file(), f"{path.name} is missing: run tools/update-lock.sh"
    logical: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = "" if raw.lstrip().startswith("#") else raw.strip()
        if not line:
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, f"{path.name} ends inside a continuation line"
    pins: dict[str, tuple[Version, list[str]]] = {}
    for entry in logical:
        head, *options = shlex.split(entry)
        assert not head.startswith("-"), f"{path.name}: unexpected option line {entry[:60]!r}"
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", head)
        assert match, f"{path.name}: not an exact pin: {head!r}"
        hashes = []
        for option in options:
            assert option.startswith("--hash=sha256:"), f"{path.name}: {head}: unexpected {option!r}"
            digest = option.removeprefix("--hash=sha256:")
            assert re.fullmatch(r"[0-9a-f]{64}", digest), f"{path.name}: {head}: malformed hash {digest!r}"
            hashes.append(digest)
        name = canonicalize_name(match.group(1))
        assert name not in pins, f"{path.name}: {name} pinned twice"
        pins[name] = (Version(match.group(2)), hashes)
    return pins


def image_environment() -> dict[str, str]:
    """Marker environment of the image's interpreter (Linux, the base image's Python)."""
    env = dict(default_environment())
    version = base_python_version()
    env.update(
        python_version=version,
        python_full_version=f"{version}.0",
        sys_platform="linux",
        platform_system="Linux",
        os_name="posix",
        implementation_name="cpython",
        platform_python_implementation="CPython",
    )
    return env


# --- Dockerfile parsing (same conventions as test_docker_files.py) ----------------------------------


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full, pending = pending + line, ""
        instr, _, rest = full.partition(" ")
        if instr.upper() == "FROM":
            result.append([])
        assert result, "instruction before the first FROM"
        result[-1].append((instr.upper(), " ".join(rest.split())))
    return result


def base_images() -> list[str]:
    return [s[0][1].split()[0] for s in stages()]


def base_python_version() -> str:
    match = PINNED_BASE.match(base_images()[-1])
    assert match, f"runtime base {base_images()[-1]!r} is not a Python image pinned to a Debian release"
    return match.group("python")


def shell_commands(stage: list[tuple[str, str]]) -> list[str]:
    """Every command of every RUN in the stage, split at ``&&``."""
    commands: list[str] = []
    for instr, args in stage:
        if instr == "RUN":
            commands.extend(c.strip() for c in args.split("&&"))
    return commands


def pip_installs(stage: list[tuple[str, str]]) -> list[str]:
    return [c for c in shell_commands(stage) if re.search(r"\bpip\b.*\binstall\b", c) and "uninstall" not in c]


# --- the lock files -----------------------------------------------------------------------------


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, BUILD_LOCK], ids=["runtime", "build"])
def test_every_pin_is_exact_and_hashed(lock: Path) -> None:
    pins = parse_lock(lock)
    assert pins
    for name, (version, hashes) in pins.items():
        assert hashes, f"{lock.name}: {name}=={version} has no hash (pip --require-hashes would refuse it)"


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [(RUNTIME_LOCK, runtime_requirements), (BUILD_LOCK, build_requirements)],
    ids=["runtime", "build"],
)
def test_lock_covers_every_pyproject_requirement_inside_its_range(
    lock: Path, requirements: Callable[[], list[Requirement]]
) -> None:
    pins = parse_lock(lock)
    env = image_environment()
    wanted = [r for r in requirements() if r.marker is None or r.marker.evaluate(env)]
    assert wanted
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} from pyproject.toml is not in {lock.name}: run tools/update-lock.sh"
        version = pins[name][0]
        assert req.specifier.contains(version, prereleases=True), (
            f"{lock.name} pins {name}=={version}, outside pyproject.toml's {req}: run tools/update-lock.sh"
        )


def test_runtime_lock_holds_the_dependencies_of_dependencies() -> None:
    """A lock of only the direct dependencies would make pip fetch the rest unhashed (and fail)."""
    pins = parse_lock(RUNTIME_LOCK)
    direct = {canonicalize_name(r.name) for r in runtime_requirements()}
    assert set(pins) > direct
    for transitive in ("aiohttp", "yarl", "multidict"):  # discord.py's HTTP stack
        assert transitive in pins


def test_lock_files_say_how_to_regenerate_them() -> None:
    for lock in (RUNTIME_LOCK, BUILD_LOCK):
        head = lock.read_text(encoding="utf-8").splitlines()[:3]
        assert any("tools/update-lock.sh" in line for line in head), f"{lock.name} does not name its generator"


def test_update_script_generates_hashed_locks_for_the_image_python() -> None:
    assert UPDATE_SCRIPT.is_file()
    assert os.access(UPDATE_SCRIPT, os.X_OK), "tools/update-lock.sh is not executable"
    text = UPDATE_SCRIPT.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert "--generate-hashes" in text
    assert "-o requirements.lock" in text
    assert "-o requirements-build.lock" in text
    version = re.search(r"^PYTHON_VERSION=(\S+)$", text, re.MULTILINE)
    assert version, "tools/update-lock.sh must set PYTHON_VERSION"
    assert version.group(1) == base_python_version(), "the lock must be resolved for the image's Python"


# --- the Dockerfile -----------------------------------------------------------------------------


def test_every_stage_is_pinned_to_a_debian_release() -> None:
    images = base_images()
    assert len(images) >= 2, "expected a builder stage and a runtime stage"
    for image in images:
        assert PINNED_BASE.match(image), f"{image!r}: pin the Debian release, e.g. python:3.12-slim-bookworm"
    assert len(set(images)) == 1, "builder and runtime must share the base (the venv's python is the base's)"


def test_dependencies_are_installed_from_the_lock_with_hashes_only() -> None:
    builder = stages()[0]
    installs = pip_installs(builder)
    from_lock = [c for c in installs if "requirements.lock" in c]
    assert len(from_lock) == 1, installs
    assert "--require-hashes" in from_lock[0]
    assert "--no-deps" in from_lock[0]  # the lock is complete: nothing may be resolved beyond it
    build_tools = [c for c in installs if "requirements-build.lock" in c]
    assert len(build_tools) == 1, installs
    assert "--require-hashes" in build_tools[0]
    # Nothing else fetches from an index: every other install is the project itself, without deps.
    for command in installs:
        if "--require-hashes" not in command:
            assert "--no-deps" in command, f"unhashed install that resolves dependencies: {command}"
    project = [c for c in shell_commands(builder) if re.search(r"\bpip\b.*\bwheel\b", c)]
    assert len(project) == 1
    assert "--no-deps" in project[0]
    assert "--no-build-isolation" in project[0]  # build isolation would fetch setuptools unhashed


def test_builder_copies_the_lock_files_before_the_sources() -> None:
    builder = stages()[0]
    copies = [args for instr, args in builder if instr == "COPY"]
    assert copies[0].split()[:-1] == ["requirements.lock", "requirements-build.lock"]
    ignored = set(DOCKERIGNORE.read_text(encoding="utf-8").splitlines())
    assert not ignored & {"requirements.lock", "requirements-build.lock", "*.lock", "requirements*"}


def test_runtime_image_has_no_pip() -> None:
    builder, runtime = stages()[0], stages()[-1]
    # The runtime venv is made without pip (pip from the builder's base installs into it) ...
    assert any(re.search(r"-m venv --without-pip /opt/venv\b", c) for c in shell_commands(builder))
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in runtime
    # ... and the base image's own pip (and setuptools/wheel, where present) is uninstalled, with the
    # wheel ensurepip would reinstall it from.
    commands = shell_commands(runtime)
    uninstall = [c for c in commands if re.search(r"\bpip uninstall\b", c)]
    assert len(uninstall) == 1, commands
    assert "--yes" in uninstall[0]
    removed = {word for word in uninstall[0].partition(" uninstall ")[2].split() if not word.startswith("-")}
    assert removed == {"pip", "setuptools", "wheel"}
    assert any(re.search(r"rm -f \S*/ensurepip/_bundled/\*\.whl", c) for c in commands)
    # Nothing in the runtime stage installs anything with pip.
    assert not pip_installs(runtime)
