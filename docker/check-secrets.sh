#!/usr/bin/env bash
# The compose stack's secrets, checked before anything uses them: by the `secrets-check`
# job (which the databases, Redis and the init job wait for) and again by the init job
# (docker/airflow-init.sh sources this file). Each secret must be set, not a placeholder
# (change-me, …), long enough and not a run of a few characters; the three passwords that
# go into connection URLs must hold URL-safe characters only; the Fernet key must be one.
# A failure names every bad variable and the command that generates a good value.
# Values are never printed, nor traced.
#
#   bash docker/check-secrets.sh                      # exit 1 if any secret is bad
#   source docker/check-secrets.sh && pressetl_check_secrets

set +x # never trace this file: the values below are secrets

# name, minimum length, kind (url: goes into a connection URL; key: a signing key;
# fernet: a Fernet key, or several comma-separated for rotation; password: typed by a person)
PRESSETL_SECRETS=(
  "AIRFLOW_DB_PASSWORD 16 url"
  "WAREHOUSE_PASSWORD 16 url"
  "REDIS_PASSWORD 16 url"
  "AIRFLOW_JWT_SECRET 32 key"
  "AIRFLOW_API_SECRET_KEY 32 key"
  "AIRFLOW_FERNET_KEY 44 fernet"
  "AIRFLOW_ADMIN_PASSWORD 16 password"
)

_pressetl_generate_hint() {
  case "$1" in
    fernet) echo "openssl rand -base64 32 | tr '+/' '-_'" ;;
    password) echo "openssl rand -hex 16 (or your password manager)" ;;
    *) echo "openssl rand -hex 32" ;;
  esac
}

# Placeholders and well-known defaults, compared on the lower-cased letters only (so
# "Change_Me", "<change-me>", "password123" and "Airflow!" all match).
_pressetl_is_placeholder() {
  local letters="${1,,}"
  letters="${letters//[^a-z]/}"
  case "$letters" in
    # long words only: a random value holds a given 7-letter word with odds below 1e-8
    *changeme* | *changethis* | *replaceme* | *placeholder* | *example* | *generate* | *yourpassword* | *yoursecret*)
      return 0
      ;;
    "" | password | passwd | secret | admin | airflow | redis | postgres | pressetl | warehouse | default | test | todo | fixme | letmein | qwerty | fernetkey | jwtsecret | secretkey)
      return 0
      ;;
  esac
  return 1
}

_pressetl_distinct_characters() {
  local value="$1" seen="" char i
  for ((i = 0; i < ${#value}; i++)); do
    char="${value:i:1}"
    [[ "$seen" == *"$char"* ]] || seen+="$char"
  done
  echo "${#seen}"
}

# Prints nothing but the variable's problem, on stderr; returns 1 when it has one.
_pressetl_check_one() {
  local name="$1" minimum="$2" kind="$3" value problem="" key
  value="${!name:-}"
  if [[ -z "$value" ]]; then
    problem="is empty"
  elif _pressetl_is_placeholder "$value"; then
    problem="is a placeholder or a well-known default"
  elif [[ "$kind" == fernet ]]; then
    local rest="$value,"
    while [[ -n "$rest" ]]; do # one key, or several comma-separated (key rotation)
      key="${rest%%,*}"
      rest="${rest#*,}"
      [[ "$key" =~ ^[A-Za-z0-9_-]{43}=$ ]] || problem="is not a Fernet key (32 url-safe base64-encoded bytes)"
    done
  elif ((${#value} < minimum)); then
    problem="is shorter than $minimum characters"
  elif (($(_pressetl_distinct_characters "$value") < 8)); then
    problem="has fewer than 8 different characters"
  elif [[ "$kind" == url && ! "$value" =~ ^[A-Za-z0-9._~-]+$ ]]; then
    problem="holds characters other than A-Z a-z 0-9 . _ ~ - (it goes into a connection URL)"
  fi
  if [[ -n "$problem" ]]; then
    echo "pressetl: $name $problem: set it in .env; generate one with: $(_pressetl_generate_hint "$kind")" >&2
    return 1
  fi
  return 0
}

# Checks every secret, reports every bad one, returns 1 if there is any.
pressetl_check_secrets() {
  local entry bad=0
  for entry in "${PRESSETL_SECRETS[@]}"; do
    # shellcheck disable=SC2086 # the entry is "name minimum kind"
    _pressetl_check_one $entry || bad=1
  done
  if ((bad)); then
    echo "pressetl: refusing to start with the secrets above (see .env.example)" >&2
    return 1
  fi
  echo "pressetl: the ${#PRESSETL_SECRETS[@]} secrets are set"
  return 0
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  pressetl_check_secrets
fi
