#!/usr/bin/env bash
# Starts two PgBouncers in front of the PostgreSQL at 127.0.0.1:5432: one in transaction
# mode, one in session mode, both forwarding every database name to the same-named
# database there, trusting user postgres. Used by .ci/run and, when the PGBOUNCER_*_URL
# variables are unset, by test/support/pgbouncer.ts.
#
#   test/support/pgbouncer.sh start <dir> <transaction-port> <session-port>
#   test/support/pgbouncer.sh stop <dir>
#
# `start` writes the configs, logs and pid files into <dir> and prints two lines,
# `transaction <port>` and `session <port>`, once both accept connections.
set -euo pipefail

command=${1:?usage: pgbouncer.sh start|stop <dir> [transaction-port session-port]}
dir=${2:?usage: pgbouncer.sh start|stop <dir> [transaction-port session-port]}

stop() {
  for mode in transaction session; do
    if [ -f "$dir/$mode.pid" ]; then kill "$(cat "$dir/$mode.pid")" 2>/dev/null || true; fi
  done
}

if [ "$command" = stop ]; then
  stop
  exit 0
fi

bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
[ -x "$bin" ] || { echo "pgbouncer is not installed (apt-get install pgbouncer)" >&2; exit 1; }
mkdir -p "$dir"
echo '"postgres" ""' >"$dir/users.txt"

# PgBouncer refuses to run as root: it then switches to the postgres user (-u).
as_user=()
if [ "$(id -u)" = 0 ]; then
  as_user=(-u postgres)
  chown -R postgres "$dir"
fi

transaction_port=${3:?transaction port}
session_port=${4:?session port}
port_of() { if [ "$1" = transaction ]; then echo "$transaction_port"; else echo "$session_port"; fi; }

for mode in transaction session; do
  port=$(port_of "$mode")
  cat >"$dir/$mode.ini" <<EOF
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = $mode
default_pool_size = $([ "$mode" = session ] && echo 40 || echo 8)
max_client_conn = 1000
server_reset_query = DISCARD ALL
logfile = $dir/$mode.log
pidfile = $dir/$mode.pid
EOF
  [ "$(id -u)" = 0 ] && chown postgres "$dir/$mode.ini"
  "$bin" -d "${as_user[@]}" "$dir/$mode.ini" || { stop; cat "$dir/$mode.log" >&2 2>/dev/null; exit 1; }
done

for mode in transaction session; do
  port=$(port_of "$mode")
  for _ in $(seq 1 50); do
    pg_isready -h 127.0.0.1 -p "$port" -q && break
    sleep 0.1
  done
  pg_isready -h 127.0.0.1 -p "$port" -q || { stop; echo "pgbouncer ($mode) did not start on port $port" >&2; cat "$dir/$mode.log" >&2 2>/dev/null; exit 1; }
  echo "$mode $port"
done
