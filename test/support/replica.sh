#!/usr/bin/env bash
# Starts a streaming replica (hot standby) of the PostgreSQL at 127.0.0.1:5432: a second
# cluster in <dir>/data made with `pg_basebackup -R`, listening on 127.0.0.1:<port>, trusting
# every local user. Used by .ci/run and, when REPLICA_URL is unset, by test/support/replica.ts.
#
#   test/support/replica.sh start <dir> <port>
#   test/support/replica.sh stop <dir>
#
# `start` adds `host replication all 127.0.0.1/32 trust` to the primary's pg_hba.conf when
# no replication rule is there (and reloads it), replaces whatever <dir> held, and prints
# `replica <port>` once the replica accepts connections and is in recovery. Run it again on
# the same <dir> and it starts afresh. `stop` stops the replica; the caller removes <dir>.
set -euo pipefail

command=${1:?usage: replica.sh start|stop <dir> [port]}
dir=${2:?usage: replica.sh start|stop <dir> [port]}
primary=(-h 127.0.0.1 -p 5432 -U postgres)

bin=/usr/lib/postgresql/15/bin
[ -x "$bin/pg_ctl" ] || bin=$(dirname "$(command -v pg_ctl || echo /nonexistent/pg_ctl)")
[ -x "$bin/pg_ctl" ] || { echo "pg_ctl is not installed (apt-get install postgresql-15)" >&2; exit 1; }

# PostgreSQL refuses to run as root: it then runs as the postgres user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}

if [ "$command" = stop ]; then
  stop
  exit 0
fi
port=${3:?usage: replica.sh start <dir> <port>}

psql_primary() { psql "${primary[@]}" -d postgres -Atq -v ON_ERROR_STOP=1 -c "$1"; }
rules=$(psql_primary "SELECT count(*) FROM pg_hba_file_rules WHERE type = 'host' AND 'replication' = ANY (database)")
if [ "$rules" = 0 ]; then
  hba=$(psql_primary 'SHOW hba_file')
  echo 'host replication all 127.0.0.1/32 trust' >>"$hba" \
    || { echo "cannot add a replication rule to $hba (run as root or postgres)" >&2; exit 1; }
  psql_primary 'SELECT pg_reload_conf()' >/dev/null
fi

stop
rm -rf "$dir/data"
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_postgres pg_basebackup "${primary[@]}" -D "$dir/data" -R -X stream -c fast --no-sync \
  || { echo "pg_basebackup from 127.0.0.1:5432 failed" >&2; exit 1; }

# A hot standby needs these at least as high as its primary's.
settings=$(psql_primary "SELECT string_agg(name || ' = ' || setting, E'\n') FROM pg_settings WHERE name IN ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction')")
as_postgres tee "$dir/data/postgresql.conf" >/dev/null <<EOF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
hot_standby = on
# A test replica: nothing to keep after a crash, and no data-directory sync at start-up.
fsync = off
shared_buffers = 32MB
wal_receiver_status_interval = 1s
timezone = 'Etc/UTC'
datestyle = 'iso, mdy'
lc_messages = 'C.UTF-8'
$settings
EOF
# Debian keeps the primary's pg_hba.conf outside its data directory: the copy has none.
as_postgres tee "$dir/data/pg_hba.conf" >/dev/null <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
as_postgres touch "$dir/data/pg_ident.conf"

as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/replica.log" -w -t 60 start >/dev/null \
  || { cat "$dir/replica.log" >&2 2>/dev/null; echo "the replica did not start on port $port" >&2; exit 1; }
for _ in $(seq 1 100); do
  if pg_isready -h 127.0.0.1 -p "$port" -q \
    && [ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]; then
    echo "replica $port"
    exit 0
  fi
  sleep 0.1
done
stop
cat "$dir/replica.log" >&2 2>/dev/null
echo "the replica on port $port did not come up in recovery" >&2
exit 1
