"""docker-compose.yml, the Dockerfile and .env.example, checked without a Docker engine:
the compose-spec schema, and every build context, script, module, env file and secret
they name exists in the repo."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
IMAGE_ROOT = "/opt/pressetl"  # WORKDIR of the Dockerfile: the repo's root inside the image
AIRFLOW_SERVICES = {
    "airflow-init": None,
    "airflow-apiserver": ["airflow", "api-server"],
    "airflow-scheduler": ["airflow", "scheduler"],
    "airflow-dag-processor": ["airflow", "dag-processor"],
    "airflow-triggerer": ["airflow", "triggerer"],
    "airflow-worker": ["airflow", "celery", "worker"],
}
VARIABLE = re.compile(r"(?<!\$)\$\{(?P<name>[A-Z0-9_]+)(?P<op>:?[-?])?(?P<arg>[^}]*)\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def _defaults(text: str) -> str:
    """Interpolate ``${VAR:-default}`` with its default (what compose does with an empty .env)."""
    return VARIABLE.sub(lambda m: m.group("arg") if m.group("op") in (":-", "-") else "", text)


def test_compose_file_matches_the_compose_spec_schema():
    check = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or "check-jsonschema"
    result = subprocess.run(
        [check, "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_stack_has_every_airflow_component_and_its_backing_services(compose):
    services = compose["services"]
    assert set(AIRFLOW_SERVICES) | {"airflow-db", "redis", "warehouse"} <= set(services)
    for name, command in AIRFLOW_SERVICES.items():
        if command:
            assert services[name]["command"][: len(command)] == command, name
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert (
        env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        and "@redis:6379" in env["AIRFLOW__CELERY__BROKER_URL"]
    )
    assert "@airflow-db:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert "@warehouse:5432/" in env["PRESSETL_WAREHOUSE_URL"]
    for name in AIRFLOW_SERVICES:
        if name != "airflow-init":
            assert (
                services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
            )
            assert "healthcheck" in services[name], name
    assert services["devsite"]["profiles"] == ["demo"]


def test_workers_scale_out(compose):
    """`docker compose up --scale airflow-worker=N` needs no fixed name nor host port."""
    worker = compose["services"]["airflow-worker"]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert "pressetl-data:/data" in worker["volumes"]  # the raw zone every worker reads and writes


def test_every_build_context_command_script_and_mount_exists(compose):
    named_volumes = set(compose.get("volumes") or {})
    venv_bin = Path(sys.executable).parent
    entry_points = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])
    for name, service in compose["services"].items():
        if build := service.get("build"):
            context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
            assert context.is_dir(), f"{name}: build context {context}"
            dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
            assert (context / dockerfile).is_file(), f"{name}: {dockerfile}"
        else:
            assert "image" in service, name
        command = service.get("command") or []
        command = shlex.split(command) if isinstance(command, str) else [str(part) for part in command]
        if command:
            program = command[0]
            if program in ("airflow", "pressetl", "celery", "python"):
                assert (venv_bin / program).exists() or program in entry_points, f"{name}: {program}"
            for part in command:
                if part.startswith(IMAGE_ROOT + "/"):
                    assert (ROOT / part[len(IMAGE_ROOT) + 1 :]).is_file(), f"{name}: {part}"
            if program == "python" and command[1:2] == ["-m"]:
                module = command[2].replace(".", "/")
                assert (ROOT / f"{module}.py").is_file() or (ROOT / module).is_dir(), f"{name}: {command[2]}"
        for probe in (service.get("healthcheck") or {}).get("test", [])[1:]:
            for part in shlex.split(probe) if isinstance(probe, str) else [probe]:
                if part.startswith(IMAGE_ROOT + "/"):
                    assert (ROOT / part[len(IMAGE_ROOT) + 1 :]).is_file(), f"{name} healthcheck: {part}"
        for volume in service.get("volumes", []):
            source = (volume if isinstance(volume, str) else volume["source"]).split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name}: mounted {source}"
            else:
                assert source in named_volumes, f"{name}: volume {source} is not declared"
        for env_file in service.get("env_file", []):
            path = env_file if isinstance(env_file, str) else env_file["path"]
            assert (ROOT / _defaults(path)).is_file(), f"{name}: env file {path}"


def test_the_init_job_script_and_its_commands(compose):
    script = ROOT / "docker" / "airflow-init.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text()
    for step in (
        "airflow db migrate",
        "airflow users create",
        "python -m pipeline.orchestration pools",
        "airflow pools import",
        "pressetl db upgrade",
    ):
        assert step in text, step
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.orchestration", "pools"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PRESSETL_PROFILES_DIR": str(ROOT / "profiles")},
    )
    assert result.returncode == 0 and "pressetl_warehouse" in result.stdout, result.stderr


def test_every_secret_comes_from_env_and_env_example_documents_it(compose, env_example):
    # What compose interpolates: not the comments.
    lines = COMPOSE_FILE.read_text().splitlines()
    text = "\n".join(line.split(" # ", 1)[0] for line in lines if not line.lstrip().startswith("#"))
    required = {m.group("name") for m in VARIABLE.finditer(text) if m.group("op") in (":?", "?", None)}
    optional = {m.group("name") for m in VARIABLE.finditer(text) if m.group("op") in (":-", "-")}
    assert required, "no secrets interpolated from .env?"
    assert required | optional <= set(env_example), sorted((required | optional) - set(env_example))
    # No secret in the repo, not even a placeholder: the example leaves every one empty.
    for key, value in env_example.items():
        if re.search(r"PASSWORD|SECRET|FERNET", key):
            assert value == "", key
    for password_var in (
        "AIRFLOW_DB_PASSWORD",
        "WAREHOUSE_PASSWORD",
        "REDIS_PASSWORD",
        "AIRFLOW_JWT_SECRET",
        "AIRFLOW_API_SECRET_KEY",
        "AIRFLOW_FERNET_KEY",
        "AIRFLOW_ADMIN_PASSWORD",
    ):
        assert password_var in required
    # Every secret-looking value, and every password in a URL, is interpolated from .env.
    for key, value in _items(compose):
        if re.search(r"PASSWORD$|SECRET$|FERNET_KEY$", key) and isinstance(value, str):
            assert value.startswith("${"), key
        for password in re.findall(r"://[^:/@\s]+:([^@\s]+)@", str(value)):
            assert password.startswith("${"), key


def _items(node, key: str = ""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _items(v, str(k))
    elif isinstance(node, list):
        for v in node:
            yield from _items(v, key)
    else:
        yield key, node


def test_demo_configuration_points_every_devsite_site_at_its_port():
    """docker/demo.env: devsite serves aggregator hosts from 8000 in its catalog's order."""
    from devsite.catalog import SITES, aggregator_names, site_spec

    ports = {name: 8000 + index for index, name in enumerate(aggregator_names())}
    lines = [
        ln for ln in (ROOT / "docker" / "demo.env").read_text().splitlines() if ln and not ln.startswith("#")
    ]
    demo = dict(line.split("=", 1) for line in lines)
    assert demo.pop("PRESSETL_POLITE") == "0"
    expected = {
        "PRESSETL_BASE_URL_"
        + site.upper().replace("-", "_"): f"http://127.0.0.1:{ports[site_spec(site).aggregator.name]}"
        for site in SITES
        if (ROOT / "profiles" / f"{site}.yaml").is_file()
    }
    assert demo == expected


def test_dockerfile_installs_the_lock_and_copies_every_package():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen --no-dev" in dockerfile
    copied = set()
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            sources = line.split()[1:-1]
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}"
                copied.add(source)
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"][
        "wheel"
    ]["packages"]
    assert set(packages) | {"profiles", "dags", "docker", "docs", "uv.lock", "pyproject.toml"} <= copied
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".env" in ignored  # never in the image


def test_the_lock_has_what_the_celery_executor_needs():
    lock = (ROOT / "uv.lock").read_text()
    for package in ("apache-airflow-providers-celery", "celery", "redis"):
        assert f'name = "{package}"' in lock, package
