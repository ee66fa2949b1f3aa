"""The compose stack is secure by default, checked without a Docker engine: no default or
weak secret starts it, its ports listen on 127.0.0.1, the UI logs in through the FAB auth
manager, and no secret reaches a command line or a log. The container scripts run here for
real: the secrets check and the init job (against stub or real `airflow`), Redis's start
script (against a real redis-server when the machine has one)."""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
INIT_SCRIPT = ROOT / "docker" / "airflow-init.sh"
CHECK_SCRIPT = ROOT / "docker" / "check-secrets.sh"
REDIS_SCRIPT = ROOT / "docker" / "redis-server.sh"
VENV_BIN = Path(sys.executable).parent
FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
SECRETS = (
    "AIRFLOW_DB_PASSWORD",
    "WAREHOUSE_PASSWORD",
    "REDIS_PASSWORD",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_ADMIN_PASSWORD",
)
AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
)
REFERENCE = re.compile(
    r"\$\$|\$\{(?P<braced>[A-Za-z0-9_]+)(?P<op>:?[-?])?(?P<arg>[^}]*)\}|\$(?P<bare>[A-Za-z_]\w*)"
)


class MissingVariable(Exception):
    pass


def _interpolate(node, env: dict[str, str]):
    """What compose does to every string of the file: ``${VAR}``, ``${VAR:-default}``,
    ``${VAR:?message}`` (stops when VAR is empty) and ``$$`` (a literal ``$``)."""
    if isinstance(node, dict):
        return {key: _interpolate(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [_interpolate(value, env) for value in node]
    if not isinstance(node, str):
        return node

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        value, op = env.get(name), match.group("op")
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise MissingVariable(f"{name}: {match.group('arg')}")
        if op in (":-", "-") and (value is None or (op == ":-" and value == "")):
            return match.group("arg")
        return value or ""

    return REFERENCE.sub(substitute, node)


def _good_secrets() -> dict[str, str]:
    """Fresh, valid values: as the .env.example commands generate them."""
    values = {name: secrets.token_hex(24) for name in SECRETS}
    values["AIRFLOW_FERNET_KEY"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    values["AIRFLOW_ADMIN_PASSWORD"] = "Correct horse " + secrets.token_urlsafe(12)
    return values


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def env_example() -> list[tuple[str, str, list[str]]]:
    """(key, value, the comment lines just above it) for every assignment."""
    entries, comments = [], []
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.lstrip().startswith("#"):
            comments.append(line)
        elif line.strip():
            key, _, value = line.partition("=")
            entries.append((key.strip(), value.strip(), comments))
            comments = []
        else:
            comments = []
    return entries


# -- 1. no default or empty secret -------------------------------------------------------------


@pytest.mark.parametrize("name", SECRETS)
def test_compose_refuses_to_load_with_an_empty_secret(compose, name):
    env = {**_good_secrets(), "PRESSETL_CONTACT_URL": "https://ops.example.net/contact"}
    _interpolate(compose, env)  # all set: loads
    for empty in ({**env, name: ""}, {k: v for k, v in env.items() if k != name}):
        with pytest.raises(MissingVariable, match=rf"^{name}: .*\.env"):
            _interpolate(compose, empty)


def test_env_example_ships_no_secret_and_says_how_to_generate_each(env_example):
    keys = [key for key, _, _ in env_example]
    assert set(SECRETS) <= set(keys)
    for key, value, _ in env_example:
        if re.search(r"PASSWORD|SECRET|FERNET|_KEY$|^AIRFLOW_CONN_|_AUTH$", key):
            assert value == "", f"{key} has a value in .env.example"
        assert value.lower() not in ("change-me", "changeme"), key
    for key, _, comments in env_example:
        if key in SECRETS:
            assert any("Generate:" in line for line in comments), f"{key}: no generation command above it"


def test_the_env_example_as_shipped_cannot_start_the_stack(env_example):
    env = {"PATH": os.environ["PATH"], **{key: value for key, value, _ in env_example}}
    result = subprocess.run(["bash", str(CHECK_SCRIPT)], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    for name in SECRETS:
        assert f"{name} is empty" in result.stderr


def test_every_other_service_waits_for_the_secrets_check(compose):
    services = compose["services"]
    check = services["secrets-check"]
    assert check["command"] == ["bash", "/opt/pressetl/docker/check-secrets.sh"]
    assert set(check["environment"]) == set(SECRETS)  # exactly the secrets the script checks

    def waits_for(name: str, job: str, seen=()) -> bool:
        depends = services[name].get("depends_on") or {}
        if isinstance(depends, list):
            return False  # the short form waits for nothing to complete
        if depends.get(job, {}).get("condition") == "service_completed_successfully":
            return True
        return any(waits_for(dep, job, (*seen, name)) for dep in depends if dep not in seen)

    for name in services:
        if name != "secrets-check":
            assert waits_for(name, "secrets-check"), f"{name} starts before the secrets are checked"
    for name in (*AIRFLOW_SERVICES[1:], "devsite"):
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    for name in ("airflow-db", "warehouse", "redis"):  # no volume initialised with a weak password
        assert services[name]["depends_on"]["secrets-check"]["condition"] == "service_completed_successfully"


# -- 2. ports on 127.0.0.1 -----------------------------------------------------------------------


def _host_ip(port) -> str:
    if isinstance(port, dict):
        return port.get("host_ip", "0.0.0.0")
    parts = str(port).rsplit(":", 2)
    return parts[0] if len(parts) == 3 else "0.0.0.0"


def test_every_published_port_is_on_loopback_unless_its_bind_variable_is_set(compose, env_example):
    documented = {key: value for key, value, _ in env_example}
    published = 0
    for name, service in compose["services"].items():
        assert service.get("network_mode") != "host", name
        for port in service.get("ports", []):
            published += 1
            assert _host_ip(_interpolate(port, {})) == "127.0.0.1", f"{name}: {port}"
            bind = re.match(r"\$\{(\w+_BIND):-127\.0\.0\.1\}:", str(port))
            assert bind, f"{name}: {port} has no bind variable"
            assert _host_ip(_interpolate(port, {bind[1]: "0.0.0.0"})) == "0.0.0.0"  # configurable
            assert documented.get(bind[1]) == "127.0.0.1", f"{bind[1]} is not in .env.example"
    assert published >= 2  # the UI and the warehouse


# -- 3. no secret on a command line, in a healthcheck or in a log --------------------------------


def _secret_bearing_names(compose) -> set[str]:
    """The secrets, and every container variable that holds one (POSTGRES_PASSWORD, …)."""
    names = set(SECRETS)
    for service in compose["services"].values():
        for key, value in (service.get("environment") or {}).items():
            if any(re.search(rf"\$\{{{secret}\b", str(value)) for secret in SECRETS):
                names.add(key)
    return names


def _probes(service) -> list[tuple[str, str]]:
    found = []
    for field in ("command", "entrypoint"):
        if field in service:
            found.append((field, str(service[field])))
    if "healthcheck" in service:
        found.append(("healthcheck", str(service["healthcheck"].get("test"))))
    return found


def test_no_command_entrypoint_or_healthcheck_holds_a_secret(compose):
    names = _secret_bearing_names(compose)
    assert {"POSTGRES_PASSWORD", "REDISCLI_AUTH", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"} <= names
    values = _good_secrets()
    interpolated = _interpolate(compose, {**values, "PRESSETL_CONTACT_URL": "https://ops.example.net/c"})
    checked = 0
    for name, service in compose["services"].items():
        for field, text in _probes(service):
            checked += 1
            for variable in names:
                assert not re.search(rf"\$\$?\{{?{variable}\b", text), f"{name} {field} uses {variable}"
            assert "requirepass" not in text and not re.search(r"redis-cli.* -a\b", text), f"{name} {field}"
        for field, text in _probes(interpolated["services"][name]):
            for secret, value in values.items():
                assert value not in text, f"{name} {field} holds {secret}"
    assert checked >= 10


def test_the_scripts_never_trace():
    for script in (INIT_SCRIPT, CHECK_SCRIPT, REDIS_SCRIPT):
        text = script.read_text()
        assert not re.search(r"^\s*set\s+-[a-z]*x", text, re.M), script.name
        assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0


# -- 4. the init job, against stubs ------------------------------------------------------------

STUB_AIRFLOW = r"""#!/usr/bin/env bash
printf '%s\n' "airflow $*" >> "$STUB_DIR/calls"
case "$1 $2" in
  "users create")
    cat > "$STUB_DIR/users-create.stdin"
    case "${STUB_USERS_CREATE:-created}" in
      created) echo "User \"admin\" created with role \"Admin\"" ;;
      exists) echo "admin already exists in the db" ;;
      exists-exit-1) echo "admin already exists in the db" >&2; exit 1 ;;
      fail-echoing) echo "error, and the input was:" >&2; cat "$STUB_DIR/users-create.stdin" >&2; exit 3 ;;
    esac
    ;;
  "pools import") cp "$3" "$STUB_DIR/pools.json" ;;
esac
"""
STUB_PRESSETL = """#!/usr/bin/env bash
printf '%s\\n' "pressetl $*" >> "$STUB_DIR/calls"
"""


@pytest.fixture
def stubs(tmp_path) -> Path:
    """A bin directory with `airflow` and `pressetl` stubs that record their arguments (and
    the stdin of `users create`), and the real interpreter as `python`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("airflow", STUB_AIRFLOW), ("pressetl", STUB_PRESSETL)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (bin_dir / "python").symlink_to(sys.executable)
    return tmp_path


def _run_init(stubs: Path, values: dict[str, str], *bash_options: str, **extra: str):
    env = {
        "PATH": f"{stubs / 'bin'}:/usr/bin:/bin",
        "HOME": str(stubs),
        "STUB_DIR": str(stubs),
        "PYTHONPATH": str(ROOT),
        "PRESSETL_PROFILES_DIR": str(ROOT / "profiles"),
        "AIRFLOW_ADMIN_USERNAME": "admin",
        "AIRFLOW_ADMIN_EMAIL": "ops@example.net",
        **values,
        **extra,
    }
    result = subprocess.run(
        ["bash", *bash_options, str(INIT_SCRIPT)],
        env=env,
        cwd=stubs,
        capture_output=True,
        text=True,
        timeout=120,
    )
    calls = (stubs / "calls").read_text().splitlines() if (stubs / "calls").exists() else []
    return result, calls


def _assert_no_secret_in(text: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        if value:
            assert value not in text, f"the output holds {name}"


BAD_VALUES = {
    "empty": "",
    "change-me": "change-me",
    "too short": "x7Kp2qLm",
}


@pytest.mark.parametrize("name", SECRETS)
@pytest.mark.parametrize("case", BAD_VALUES)
def test_the_init_job_stops_on_a_bad_secret_naming_it(stubs, name, case):
    values = {**_good_secrets(), name: BAD_VALUES[case]}
    result, calls = _run_init(stubs, values)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert re.search(rf"\b{name}\b[^\n]*generate one with: \S", result.stderr), result.stderr
    assert calls == [], "it ran commands with a bad secret"
    _assert_no_secret_in(output, values)  # not even the bad value


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("AIRFLOW_DB_PASSWORD", "CHANGE_ME", "placeholder"),
        ("WAREHOUSE_PASSWORD", "<change-me-to-a-real-password>", "placeholder"),
        ("AIRFLOW_JWT_SECRET", "password1234567890123456789012345678", "placeholder"),
        ("REDIS_PASSWORD", "abcdefgh12345678:secret@host/0", "characters other than"),
        ("AIRFLOW_DB_PASSWORD", "a" * 40, "fewer than 8 different characters"),
        ("AIRFLOW_FERNET_KEY", base64.urlsafe_b64encode(os.urandom(24)).decode(), "not a Fernet key"),
        ("AIRFLOW_API_SECRET_KEY", secrets.token_hex(12), "shorter than 32"),
    ],
)
def test_the_init_job_stops_on_a_weak_secret(stubs, name, value, problem):
    result, calls = _run_init(stubs, {**_good_secrets(), name: value})
    assert result.returncode != 0 and calls == []
    assert f"{name} " in result.stderr and problem in result.stderr, result.stderr
    assert value not in result.stdout + result.stderr


def test_the_init_job_accepts_rotated_fernet_keys(stubs):
    keys = [base64.urlsafe_b64encode(os.urandom(32)).decode() for _ in range(2)]
    result, calls = _run_init(stubs, {**_good_secrets(), "AIRFLOW_FERNET_KEY": ",".join(keys)})
    assert result.returncode == 0, result.stderr


def test_the_init_job_runs_every_step_and_never_prints_a_secret(stubs):
    values = _good_secrets()
    result, calls = _run_init(stubs, values)
    assert result.returncode == 0, result.stdout + result.stderr
    assert calls[0] == "airflow db migrate"
    create = [call for call in calls if call.startswith("airflow users create")]
    assert len(create) == 1
    assert "--role Admin --username admin --email ops@example.net" in create[0]
    assert "--password" not in create[0] and "--use-random-password" not in create[0]
    assert calls.index(create[0]) > 0  # after the migration that creates FAB's tables
    assert [c for c in calls if c.startswith("airflow pools import ")], calls
    assert calls[-1] == "pressetl db upgrade"
    # The password went on stdin (password and confirmation), never on a command line.
    password = values["AIRFLOW_ADMIN_PASSWORD"]
    assert (stubs / "users-create.stdin").read_text() == f"{password}\n{password}\n"
    assert "pressetl_warehouse" in (stubs / "pools.json").read_text()
    _assert_no_secret_in("\n".join(calls), values)
    _assert_no_secret_in(result.stdout + result.stderr, values)
    assert "created the admin user 'admin'" in result.stdout


@pytest.mark.parametrize("behaviour", ["exists", "exists-exit-1"])
def test_the_init_job_is_idempotent_when_the_admin_exists(stubs, behaviour):
    values = _good_secrets()
    result, calls = _run_init(stubs, values, STUB_USERS_CREATE=behaviour)
    assert result.returncode == 0, result.stderr
    assert "the admin user 'admin' exists" in result.stdout
    assert calls[-1] == "pressetl db upgrade"
    _assert_no_secret_in(result.stdout + result.stderr, values)


def test_a_failed_admin_creation_stops_the_job_without_echoing_the_password(stubs):
    values = _good_secrets()
    result, calls = _run_init(stubs, values, STUB_USERS_CREATE="fail-echoing")
    assert result.returncode == 3
    assert "creating the admin user 'admin' failed" in result.stderr
    assert "[redacted]" in result.stderr  # what the stub echoed back, masked
    assert "pressetl db upgrade" not in calls
    _assert_no_secret_in(result.stdout + result.stderr, values)


def test_the_init_job_prints_no_secret_even_when_traced(stubs):
    values = _good_secrets()
    result, _ = _run_init(stubs, values, "-x")
    assert result.returncode == 0, result.stderr
    _assert_no_secret_in(result.stdout + result.stderr, values)


# -- 5. the init job against the real Airflow: FAB's tables, the admin, idempotent ------------------


def test_the_init_job_creates_the_fab_admin_for_real_and_is_idempotent(tmp_path):
    """SQLite metadata DB and a DuckDB warehouse instead of the two PostgreSQL services."""
    values = _good_secrets()
    (tmp_path / "dags").mkdir()
    env = {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__AUTH_MANAGER": FAB,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(tmp_path / "dags"),
        "AIRFLOW__CORE__FERNET_KEY": values["AIRFLOW_FERNET_KEY"],
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
        "PRESSETL_WAREHOUSE_URL": f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        "PRESSETL_PROFILES_DIR": str(ROOT / "profiles"),
        "PRESSETL_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(ROOT),
        "AIRFLOW_ADMIN_USERNAME": "ops-admin",
        **values,
    }
    outputs = []
    for _ in range(2):
        result = subprocess.run(
            ["bash", str(INIT_SCRIPT)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        outputs.append(result.stdout + result.stderr)
    assert "created the admin user 'ops-admin'" in outputs[0]
    assert "the admin user 'ops-admin' exists" in outputs[1]
    for output in outputs:
        _assert_no_secret_in(output, values)
    check = """
import sys
from airflow.providers.fab.auth_manager.cli_commands.utils import get_application_builder
from werkzeug.security import check_password_hash
with get_application_builder() as appbuilder:
    user = appbuilder.sm.find_user(username="ops-admin")
    print([role.name for role in user.roles], check_password_hash(user.password, sys.stdin.read()))
"""
    result = subprocess.run(
        [sys.executable, "-c", check],
        input=values["AIRFLOW_ADMIN_PASSWORD"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "['Admin'] True", result.stderr[-3000:]


# -- 6. Redis: the password on stdin, the healthcheck from the environment --------------------------


@pytest.fixture
def fake_entrypoint(tmp_path) -> Path:
    """The redis image's docker-entrypoint.sh, recording its arguments and stdin."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "docker-entrypoint.sh"
    stub.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$STUB_DIR/argv"\ncat > "$STUB_DIR/stdin"\n')
    stub.chmod(0o755)
    return tmp_path


def test_redis_gets_its_password_on_stdin_not_on_its_command_line(compose, fake_entrypoint):
    redis = compose["services"]["redis"]
    assert redis["command"] == ["sh", "/opt/pressetl/docker/redis-server.sh"]
    assert "./docker/redis-server.sh:/opt/pressetl/docker/redis-server.sh:ro" in redis["volumes"]
    password = secrets.token_hex(24)
    env = {"PATH": f"{fake_entrypoint / 'bin'}:/usr/bin:/bin", "STUB_DIR": str(fake_entrypoint)}
    result = subprocess.run(
        ["sh", str(REDIS_SCRIPT)], env={**env, "REDIS_PASSWORD": password}, capture_output=True
    )
    assert result.returncode == 0, result.stderr
    argv = (fake_entrypoint / "argv").read_text().splitlines()
    assert argv == ["redis-server", "-"]  # the entrypoint drops to the redis user for this
    assert (fake_entrypoint / "stdin").read_text() == f"requirepass {password}\n"
    for bad in ("", "two words here 1234567", "abcdefghijklmnop\nrename-command CONFIG x"):
        result = subprocess.run(
            ["sh", str(REDIS_SCRIPT)], env={**env, "REDIS_PASSWORD": bad}, capture_output=True
        )
        assert result.returncode == 1 and b"REDIS_PASSWORD" in result.stderr
        assert not bad or bad.encode() not in result.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(
    not shutil.which("redis-server") or not shutil.which("redis-cli"), reason="no redis-server"
)
def test_a_real_redis_started_by_the_script_requires_the_password_and_the_healthcheck_passes(
    compose, tmp_path
):
    password = secrets.token_hex(24)
    port = _free_port()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # The image's entrypoint, minus the user switch; redis-cli pointed at this server's port.
    (bin_dir / "docker-entrypoint.sh").write_text('#!/bin/sh\nexec "$@"\n')
    (bin_dir / "redis-cli").write_text(f'#!/bin/sh\nexec {shutil.which("redis-cli")} -p {port} "$@"\n')
    for path in bin_dir.iterdir():
        path.chmod(0o755)
    path_env = f"{bin_dir}:/usr/bin:/bin"
    test_server = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen(
        ["sh", str(REDIS_SCRIPT), *test_server],
        env={"PATH": path_env, "REDIS_PASSWORD": password},
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        probe = compose["services"]["redis"]["healthcheck"]["test"]
        assert probe[0] == "CMD-SHELL"

        def healthcheck(auth: str) -> int:
            env = {"PATH": path_env, "REDISCLI_AUTH": auth}
            return subprocess.run(["sh", "-c", probe[1]], env=env, capture_output=True).returncode

        deadline = time.monotonic() + 20
        while healthcheck(password) != 0:
            assert server.poll() is None and time.monotonic() < deadline, "redis did not come up"
            time.sleep(0.2)
        assert healthcheck("not-the-password") != 0
        unauthenticated = subprocess.run([bin_dir / "redis-cli", "ping"], capture_output=True, text=True)
        assert "NOAUTH" in unauthenticated.stdout + unauthenticated.stderr
    finally:
        server.terminate()
        server.wait(timeout=20)


# -- 7. the FAB auth manager --------------------------------------------------------------------


def test_the_stack_uses_the_fab_auth_manager(compose):
    services = compose["services"]
    for name in AIRFLOW_SERVICES:
        assert services[name]["environment"]["AIRFLOW__CORE__AUTH_MANAGER"] == FAB, name
    assert "SIMPLE_AUTH_MANAGER" not in COMPOSE_FILE.read_text()
    assert "AIRFLOW__API__SECRET_KEY" in services["airflow-apiserver"]["environment"]
    assert "AIRFLOW_ADMIN_PASSWORD" not in services["airflow-apiserver"]["environment"]  # the init job's only
    lock = (ROOT / "uv.lock").read_text()
    assert 'name = "apache-airflow-providers-fab"' in lock


def test_fab_users_create_reads_the_password_from_stdin_without_a_terminal():
    """What the init job relies on: with no --password, FAB asks twice; with no terminal
    (setsid), the answers come from standard input."""
    script = (
        "import argparse\n"
        "from airflow.providers.fab.auth_manager.cli_commands.user_command import _create_password\n"
        "print(_create_password(argparse.Namespace(use_random_password=False, password=None)) == 'pa ss')\n"
    )
    setsid = ["setsid", "--wait"] if shutil.which("setsid") else []
    result = subprocess.run(
        [*setsid, sys.executable, "-c", script],
        input="pa ss\npa ss\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("True"), result.stderr[-2000:]
