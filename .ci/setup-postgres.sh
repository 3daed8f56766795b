#!/usr/bin/env bash
# A PostgreSQL server for amreview's SQL tests: Debian's package, a cluster of its own listening
# on 127.0.0.1 only, and a role and a database for the tests.
#
# Idempotent (a second run finds everything in place and only makes sure the server is up).
# Runs as root on a fresh Debian machine. Prints the SQLAlchemy URL of the test database on
# stdout, and nothing else there (progress goes to stderr), so a caller can write:
#
#     AMREVIEW_TEST_POSTGRES_URL="$(.ci/setup-postgres.sh)"
#     export AMREVIEW_TEST_POSTGRES_URL AMREVIEW_REQUIRE_POSTGRES=1
#
# The cluster is for tests only: durability is switched off (fsync, synchronous_commit,
# full_page_writes) because its data is thrown away. Override with the environment:
# AMREVIEW_PG_PORT (54329), AMREVIEW_PG_CLUSTER (amreview), AMREVIEW_PG_ROLE (amreview_test),
# AMREVIEW_PG_PASSWORD (amreview_test), AMREVIEW_PG_DATABASE (amreview_test).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # runuser, pg_* wrappers

PORT="${AMREVIEW_PG_PORT:-54329}"
CLUSTER="${AMREVIEW_PG_CLUSTER:-amreview}"
ROLE="${AMREVIEW_PG_ROLE:-amreview_test}"
PASSWORD="${AMREVIEW_PG_PASSWORD:-amreview_test}"
DATABASE="${AMREVIEW_PG_DATABASE:-amreview_test}"

log() { echo "setup-postgres: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run me as root (I install a package and start a server as the postgres user)"
for name in "$ROLE" "$DATABASE" "$CLUSTER"; do
  [[ "$name" =~ ^[a-z_][a-z0-9_]*$ ]] || die "names must be lower-case identifiers, got '$name'"
done
[[ "$PASSWORD" =~ ^[A-Za-z0-9_]+$ ]] || die "the password may hold letters, digits and _ only"

# 1. The package (Debian's; it brings pg_createcluster / pg_ctlcluster).
if ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || ! command -v pg_ctlcluster >/dev/null; then
  log "installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && apt-get install -y -q postgresql >&2; }
fi
VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"

# 2. A cluster of our own, on loopback only (the package's "main" cluster is left alone).
if ! pg_lsclusters --no-header | awk '{print $1 "/" $2}' | grep -qx "$VERSION/$CLUSTER"; then
  log "creating cluster $VERSION/$CLUSTER on 127.0.0.1:$PORT"
  pg_createcluster --quiet --port "$PORT" --start-conf manual "$VERSION" "$CLUSTER" >&2
fi
PORT="$(pg_conftool -s "$VERSION" "$CLUSTER" show port)"  # an existing cluster keeps its port
CONF_DIR="/etc/postgresql/$VERSION/$CLUSTER/conf.d"
CONF="$CONF_DIR/amreview-tests.conf"
WANTED="listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off"
RESTART=0
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$WANTED" ]; then
  mkdir -p "$CONF_DIR"
  printf '%s\n' "$WANTED" >"$CONF"
  chown postgres:postgres "$CONF"
  RESTART=1
fi

# 3. Started (pg_ctlcluster runs the server as the cluster's owner, postgres, and waits for it).
if ! pg_ctlcluster "$VERSION" "$CLUSTER" status >/dev/null 2>&1; then
  log "starting cluster $VERSION/$CLUSTER"
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
elif [ "$RESTART" = 1 ]; then
  log "restarting cluster $VERSION/$CLUSTER (its settings changed)"
  pg_ctlcluster "$VERSION" "$CLUSTER" restart >&2
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$PORT" && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || die "the server does not answer on 127.0.0.1:$PORT"

# 4. The role and the database the tests use (the role owns the database: it may create schemas).
psql_admin() { (cd / && runuser -u postgres -- psql --no-psqlrc -p "$PORT" -v ON_ERROR_STOP=1 -qAt "$@"); }
if [ "$(psql_admin -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  log "creating role $ROLE"
  psql_admin -d postgres -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'"
else
  psql_admin -d postgres -c "ALTER ROLE $ROLE LOGIN PASSWORD '$PASSWORD'"
fi
if [ "$(psql_admin -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != "1" ]; then
  log "creating database $DATABASE"
  psql_admin -d postgres -c "CREATE DATABASE $DATABASE OWNER $ROLE ENCODING 'UTF8' TEMPLATE template0"
fi

URL="postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
log "ready: $VERSION/$CLUSTER on 127.0.0.1:$PORT, database $DATABASE, role $ROLE"
echo "$URL"
