#!/bin/sh
# Redis for the compose stack (service redis, mounted read-only from docker/). The password
# reaches redis-server as a config line on its standard input (`redis-server -`): never as
# an argument (arguments show in `ps` and in `docker inspect`), never in a file. The image's
# entrypoint then drops to the redis user, as for its default command. Extra arguments
# are passed on to redis-server.
set -eu
case "${REDIS_PASSWORD:-}" in
  "")
    echo "redis: REDIS_PASSWORD is empty: set it in .env" >&2
    exit 1
    ;;
  *[!A-Za-z0-9._~-]*)
    # it is also in the Celery broker URL; and a config line must not be able to add others
    echo "redis: REDIS_PASSWORD holds characters other than A-Z a-z 0-9 . _ ~ -" >&2
    exit 1
    ;;
esac
exec docker-entrypoint.sh redis-server - "$@" <<EOF
requirepass $REDIS_PASSWORD
EOF
