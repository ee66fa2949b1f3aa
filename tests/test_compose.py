"""docker-compose.yml, the Dockerfile and .env.example, checked without a Docker engine:
the compose-spec schema, and every build context, script, module, env file and secret
they name exists in the repo."""

from __future__ import annotations

import json
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

from pipeline import metrics
from pipeline.runner import STAGES

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


# -- the observability profile ---------------------------------------------------------------

OBSERVABILITY = ROOT / "docker" / "observability"
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "pressetl.json"
TIMER_SERIES = ("_bucket", "_sum", "_count")  # what a histogram is scraped as


@pytest.fixture(scope="module")
def mapping() -> dict:
    return yaml.safe_load((OBSERVABILITY / "statsd-mapping.yml").read_text())


def _mapped(mapping: dict, stat: str) -> tuple[str, dict[str, str]] | None:
    """What the StatsD exporter makes of ``stat``: the first glob that matches (``*`` is one
    dot-separated part), its name and its labels with ``$n`` filled in."""
    for rule in mapping["mappings"]:
        parts = [r"([^.]+)" if part == "*" else re.escape(part) for part in rule["match"].split(".")]
        found = re.fullmatch(r"\.".join(parts), stat)
        if found:
            labels = {
                key: re.sub(r"\$\{?(\d+)\}?", lambda m, found=found: found.group(int(m[1])), str(value))
                for key, value in (rule.get("labels") or {}).items()
            }
            return rule["name"], labels
    return None


def _emitted(prefix: str, site: str) -> list[tuple[str, str, dict[str, str]]]:
    """Every name pressetl sends for ``site``, as Airflow's StatsD client puts it on the wire:
    (stat, StatsD type, the labels it must map to)."""
    names = [(f"{prefix}.{metrics.UNRECORDED}", "counter", {})]
    for stage in STAGES:
        labels = {"stage": stage, "site": site}
        names.append((f"{prefix}.{metrics.duration_name(stage, site)}", "timer", labels))
        for status in metrics.STATUSES:
            names.append(
                (
                    f"{prefix}.{metrics.status_name(stage, site, status)}",
                    "counter",
                    labels | {"status": status},
                )
            )
        for count in metrics.COUNTS:
            names.append((f"{prefix}.{metrics.count_name(stage, site, count)}", "counter", labels))
    return names


def test_the_observability_profile_runs_the_exporter_prometheus_and_grafana(compose):
    services = compose["services"]
    for name in ("statsd-exporter", "prometheus", "grafana"):
        assert services[name]["profiles"] == ["observability"], name
        assert services[name]["image"].split(":")[1][0] in "v0123456789", f"{name}: pin its image"
    for path in (
        "statsd-mapping.yml",
        "prometheus.yml",
        "grafana/provisioning/datasources/prometheus.yml",
        "grafana/provisioning/dashboards/pressetl.yml",
        "grafana/dashboards/pressetl.json",
    ):
        assert (OBSERVABILITY / path).is_file(), path
        text = (OBSERVABILITY / path).read_text()
        assert json.loads(text) if path.endswith(".json") else yaml.safe_load(text), path

    # Airflow's services (pressetl's tasks among them) send to the exporter only when asked.
    exporter = " ".join(services["statsd-exporter"]["command"])
    env = services["airflow-worker"]["environment"]
    assert _defaults(str(env["AIRFLOW__METRICS__STATSD_ON"])) == "False"
    assert env["AIRFLOW__METRICS__STATSD_ON"] == "${AIRFLOW_STATSD_ON:-False}"
    assert _defaults(env["AIRFLOW__METRICS__STATSD_HOST"]) == "statsd-exporter"
    assert f"--statsd.listen-udp=:{env['AIRFLOW__METRICS__STATSD_PORT']}" in exporter
    assert "/etc/statsd-exporter/mapping.yml" in exporter
    # Prometheus scrapes the exporter's web port; Grafana reads Prometheus.
    scrape = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())["scrape_configs"]
    web_port = re.search(r"--web.listen-address=:(\d+)", exporter)[1]
    assert [t for job in scrape for c in job["static_configs"] for t in c["targets"]] == [
        f"statsd-exporter:{web_port}"
    ]
    sources = yaml.safe_load((OBSERVABILITY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    (source,) = sources["datasources"]
    assert source["url"] == "http://prometheus:9090"
    provider = yaml.safe_load((OBSERVABILITY / "grafana/provisioning/dashboards/pressetl.yml").read_text())
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["grafana"]["volumes"] if v.startswith(".")}
    assert mounts[provider["providers"][0]["options"]["path"]] == "./docker/observability/grafana/dashboards"
    dashboard = json.loads(DASHBOARD.read_text())
    uids = {t["datasource"]["uid"] for p in dashboard["panels"] for t in p.get("targets", [])}
    assert uids == {source["uid"]}


def test_every_name_pressetl_emits_maps_to_a_labelled_prometheus_metric(compose, mapping):
    prefix = compose["services"]["airflow-worker"]["environment"]["AIRFLOW__METRICS__STATSD_PREFIX"]
    for stat, kind, labels in _emitted(prefix, "maghress-fr"):
        mapped = _mapped(mapping, stat)
        assert mapped, f"{stat} is not mapped"
        name, got = mapped
        assert name.startswith("pressetl_") and got == labels, (stat, mapped)
        assert name.endswith("_seconds" if kind == "timer" else "_total"), (stat, name)
    counts = {_mapped(mapping, s)[0] for s, kind, _ in _emitted(prefix, "turess-fr") if kind == "counter"}
    assert len(counts) == len(metrics.COUNTS) + 2  # one metric per count, + runs, + unrecorded


def test_the_dashboard_shows_only_metrics_the_mapping_makes(compose, mapping):
    prefix = compose["services"]["airflow-worker"]["environment"]["AIRFLOW__METRICS__STATSD_PREFIX"]
    pressetl = {_mapped(mapping, stat)[0]: kind for stat, kind, _ in _emitted(prefix, "maghress-fr")}
    made = {rule["name"] for rule in mapping["mappings"]}
    series = made | {name + end for name in made if name.endswith("_seconds") for end in TIMER_SERIES}
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    queries += [v["definition"] for v in dashboard["templating"]["list"]]
    used = {name for q in queries for name in re.findall(r"\b((?:pressetl|airflow)_[a-z_]+)\b", q)}
    assert used and used <= series, sorted(used - series)
    shown = {re.sub(r"(_bucket|_sum|_count)$", "", name) for name in used if name.startswith("pressetl_")}
    assert shown == set(pressetl), sorted(set(pressetl) ^ shown)  # every pressetl metric is on it
    panels = {p["title"] for p in dashboard["panels"]}
    for title in ("Loaded per day", "Quarantined per day (quality gate)", "HTTP requests per day"):
        assert title in panels


def test_the_airflow_patterns_of_the_mapping_are_airflows_own_names(mapping):
    """Airflow's registry of metrics (its legacy names carry the ids: dag, task, pool)."""
    import importlib.util

    airflow_dir = Path(importlib.util.find_spec("airflow").submodule_search_locations[0])
    registry = airflow_dir / "sdk" / "_shared" / "observability" / "metrics" / "metrics_template.yaml"
    known = set()
    for metric in yaml.safe_load(registry.read_text())["metrics"]:
        for name in (metric["name"], metric.get("legacy_name", "-")):
            if name != "-":
                known.add("airflow." + re.sub(r"\{[a-z_]+\}", "*", name))
    theirs = [r["match"] for r in mapping["mappings"] if not r["match"].startswith("airflow.pressetl.")]
    assert theirs and set(theirs) <= known, sorted(set(theirs) - known)
