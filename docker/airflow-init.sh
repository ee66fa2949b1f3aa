#!/usr/bin/env bash
# The compose stack's init job (service airflow-init). Idempotent: it runs on every
# `docker compose up`, and the Airflow services start only once it has succeeded.
set -euo pipefail

echo "pressetl init: migrating the Airflow metadata database"
airflow db migrate

if [[ -n "${AIRFLOW_ADMIN_PASSWORD:-}" ]]; then
  # The simple auth manager's password file, from the secret in .env. Without it the
  # api-server generates a password on first start and prints it in its log.
  echo "pressetl init: setting the admin password from AIRFLOW_ADMIN_PASSWORD"
  python - <<'PY'
import json, os
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as file:
    json.dump({"admin": os.environ["AIRFLOW_ADMIN_PASSWORD"]}, file)
PY
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
