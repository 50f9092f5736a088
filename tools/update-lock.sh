#!/usr/bin/env bash
# Regenerate the hashed lock files the Docker image installs from (README "Docker", "Lock files"):
#
#   requirements.lock        the runtime dependencies: pyproject.toml [project] dependencies, resolved
#   requirements-build.lock  the build backend: pyproject.toml [build-system] requires, resolved
#
# Both pin every package (dependencies of dependencies too) with the sha256 hash of every file PyPI
# has for that version, so `pip install --require-hashes` builds the same image on any architecture.
# The plain install (`pip install -e .`) keeps using the version ranges in pyproject.toml.
#
#   tools/update-lock.sh                         keep the current pins, add/drop what pyproject.toml changed
#   tools/update-lock.sh --upgrade               every package to its newest version inside the ranges
#   tools/update-lock.sh --upgrade-package NAME  only NAME (repeatable)
#
# Needs uv (https://docs.astral.sh/uv/, `pip install uv`); without it on PATH, uv is installed into a
# throwaway virtualenv first. UV=/path/to/uv picks another one. Resolves for the image's Python and
# platform (PYTHON_VERSION below must match the Dockerfile's base image; a test checks it).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON_VERSION=3.12
UV_VERSION=0.13.9 # only used when uv is not on PATH

UV=${UV:-uv}
if ! command -v "$UV" >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  python3 -m venv "$tmp/venv"
  "$tmp/venv/bin/pip" install --quiet "uv==$UV_VERSION"
  UV="$tmp/venv/bin/uv"
fi

common=(
  --generate-hashes
  --python-version "$PYTHON_VERSION"
  --python-platform linux
  --custom-compile-command tools/update-lock.sh
  --quiet
)

"$UV" pip compile pyproject.toml "${common[@]}" -o requirements.lock "$@"

python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' |
  "$UV" pip compile - "${common[@]}" -o requirements-build.lock "$@"

echo "updated requirements.lock ($(grep -c '==' requirements.lock) pins) and requirements-build.lock ($(grep -c '==' requirements-build.lock) pins)"
