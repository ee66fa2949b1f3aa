#!/usr/bin/env bash
# The compose stack's init job (service airflow-init). Idempotent: it runs on every
# `docker compose up`, and the Airflow services start only once it has succeeded.
# It prints no secret: no tracing, no value in a message, and the admin password reaches
# Airflow on standard input only (arguments show in `ps` and in Airflow's audit log).
set +x
set -euo pipefail

# The secrets first (the secrets-check job has checked them already; this job may be run
# on its own): nothing is migrated or created with an empty, placeholder or short one.
# shellcheck source=docker/check-secrets.sh
source "$(dirname "${BASH_SOURCE[0]}")/check-secrets.sh"
pressetl_check_secrets || exit 1

echo "pressetl init: migrating the Airflow metadata database"
airflow db migrate

# The UI's admin (FAB auth manager), from .env. `airflow users create` leaves an existing
# user alone (older FAB providers exit 1 saying so: both are fine), so AIRFLOW_ADMIN_PASSWORD
# sets the password when the user is created; change it later in the UI.
admin_user="${AIRFLOW_ADMIN_USERNAME:-admin}"
echo "pressetl init: creating the admin user '$admin_user' unless it exists"
# Without a terminal `users create` reads the password, then its confirmation, from standard
# input; setsid detaches it from the one `docker compose run` allocates.
no_tty=()
if command -v setsid >/dev/null; then
  no_tty=(setsid --wait)
fi
status=0
output="$(
  printf '%s\n%s\n' "$AIRFLOW_ADMIN_PASSWORD" "$AIRFLOW_ADMIN_PASSWORD" |
    "${no_tty[@]}" airflow users create --role Admin --username "$admin_user" \
      --email "${AIRFLOW_ADMIN_EMAIL:-admin@localhost}" \
      --firstname "${AIRFLOW_ADMIN_FIRSTNAME:-pressetl}" --lastname "${AIRFLOW_ADMIN_LASTNAME:-admin}" 2>&1
)" || status=$?
output="${output//"$AIRFLOW_ADMIN_PASSWORD"/[redacted]}" # in case anything ever echoes it
if [[ "$output" == *"$admin_user already exists"* ]]; then
  echo "pressetl init: the admin user '$admin_user' exists; its password is left as it is"
elif ((status == 0)); then
  echo "pressetl init: created the admin user '$admin_user'"
else
  echo "pressetl init: creating the admin user '$admin_user' failed (exit $status):" >&2
  printf '%s\n' "$output" >&2
  exit "$status"
fi

# One pool per aggregator host (crawls) and one for the warehouse writers, sized from
# PRESSETL_HOST_POOL_SLOTS / PRESSETL_WAREHOUSE_POOL_SLOTS: `pools import` upserts, so a
# size changed by hand in the UI is reset here; change the variables in .env instead.
echo "pressetl init: creating the pools"
pools="$(mktemp)"
python -m pipeline.orchestration pools > "$pools"
airflow pools import "$pools"
rm -f "$pools"

echo "pressetl init: migrating the warehouse"
pressetl db upgrade

echo "pressetl init: done"
