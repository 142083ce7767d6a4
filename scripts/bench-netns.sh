#!/usr/bin/env bash
# A PostgreSQL "across the network" for the benchmark's network mode (section j): a network
# namespace joined to this one by a veth pair, each end delaying what it sends by 0.25 ms
# (netem), so a round trip takes about 0.5 ms, as between two hosts in one datacenter zone;
# and a throwaway cluster in <dir>/data that runs inside the namespace, listening only on
# the namespace's end of the pair. The client stays in this namespace and reaches it at
# postgresql://postgres@10.213.47.2:5432/postgres.
#
# Where the kernel has no netem qdisc (`Specified qdisc kind is unknown`), the delay is made
# by test/bench/delay-relay.c instead, compiled here and run inside the namespace: the
# server listens on the namespace's loopback (port 5433) and the relay on 10.213.47.2:5432,
# holding each chunk 0.25 ms in each direction. The server runs on CPU 1 (taskset), as a
# database host has cores of its own, and the bench pins itself to CPU 0; the relay stands
# for the network (the kernel's work under netem) and runs wherever the scheduler puts it.
#
#   scripts/bench-netns.sh start <dir>   prints `url <url>` once the server answers
#   scripts/bench-netns.sh stop <dir>    stops the server, removes the namespace and the veth
#   scripts/bench-netns.sh status        exits 0 when nothing of it is left
#
# Needs root (ip netns, tc) and PostgreSQL 15's binaries. `start` first removes whatever an
# interrupted run left (same names); `stop` is safe to run any number of times.
set -euo pipefail

command=${1:?usage: bench-netns.sh start|stop <dir> | status}
ns=fluentorm_bench_net
host_if=fobench0
ns_if=fobench1
host_ip=10.213.47.1
ns_ip=10.213.47.2
delay=${BENCH_NET_DELAY:-0.25ms}

bin=/usr/lib/postgresql/15/bin
[ -x "$bin/pg_ctl" ] || bin=$(dirname "$(command -v pg_ctl || echo /nonexistent/pg_ctl)")

# PostgreSQL refuses to run as root: it runs as the postgres user.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  local dir=$1
  if [ -f "$dir/relay.pid" ]; then
    kill "$(cat "$dir/relay.pid")" 2>/dev/null || true
    rm -f "$dir/relay.pid"
  fi
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  # Deleting the namespace deletes its end of the pair, and with it the other end.
  ip netns delete "$ns" 2>/dev/null || true
  ip link delete "$host_if" 2>/dev/null || true
}

left_over() {
  ip netns list 2>/dev/null | grep -qw "$ns" && return 0
  ip link show "$host_if" >/dev/null 2>&1 && return 0
  pgrep -f "postgres -D .*fluentorm-bench-net" >/dev/null 2>&1 && return 0
  pgrep -f "fluentorm-bench-net.*/delay-relay" >/dev/null 2>&1 && return 0
  return 1
}

case "$command" in
  status)
    if left_over; then echo 'network mode left something behind' >&2; exit 1; fi
    exit 0
    ;;
  stop)
    stop "${2:?usage: bench-netns.sh stop <dir>}"
    exit 0
    ;;
  start) ;;
  *) echo "unknown command $command" >&2; exit 2 ;;
esac

dir=${2:?usage: bench-netns.sh start <dir>}
mkdir -p "$dir"
[ "$(id -u)" = 0 ] || { echo 'the network mode needs root (ip netns, tc)' >&2; exit 1; }
[ -x "$bin/pg_ctl" ] || { echo 'pg_ctl is not installed (apt-get install postgresql-15)' >&2; exit 1; }
command -v tc >/dev/null || { echo 'tc is not installed (apt-get install iproute2)' >&2; exit 1; }
stop "$dir"
trap 'stop "$dir"' ERR

ip netns add "$ns"
ip link add "$host_if" type veth peer name "$ns_if"
ip link set "$ns_if" netns "$ns"
ip addr add "$host_ip/30" dev "$host_if"
ip link set "$host_if" up
ip netns exec "$ns" ip addr add "$ns_ip/30" dev "$ns_if"
ip netns exec "$ns" ip link set "$ns_if" up
ip netns exec "$ns" ip link set lo up
# Each direction is delayed once: on the way in by the host's end, on the way back by the namespace's.
if tc qdisc add dev "$host_if" root netem delay "$delay" limit 100000 2>/dev/null; then
  ip netns exec "$ns" tc qdisc add dev "$ns_if" root netem delay "$delay" limit 100000
  delayed_by=netem
  listen=$ns_ip
  server_port=5432
else
  command -v gcc >/dev/null || { echo 'no netem qdisc in this kernel and no gcc to build the delay relay' >&2; exit 1; }
  gcc -O2 -o "$dir/delay-relay" "$(dirname "$0")/../test/bench/delay-relay.c"
  delayed_by=relay
  listen=127.0.0.1
  server_port=5433
fi

rm -rf "$dir/data"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
as_postgres tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '$listen'
port = $server_port
unix_socket_directories = '$dir'
# A bench server: nothing to keep after a crash.
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 128MB
max_connections = 200
timezone = 'Etc/UTC'
EOF
echo "host all all $host_ip/32 trust" | as_postgres tee -a "$dir/data/pg_hba.conf" >/dev/null

ip netns exec "$ns" taskset -c 1 runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
  || { cat "$dir/server.log" >&2 2>/dev/null; echo 'the server in the namespace did not start' >&2; stop "$dir"; exit 1; }
if [ "$delayed_by" = relay ]; then
  ip netns exec "$ns" "$dir/delay-relay" "$ns_ip" 5432 127.0.0.1 "$server_port" \
    "$(awk -v d="$delay" 'BEGIN { sub(/ms$/, "", d); print int(d * 1000) }')" \
    >"$dir/relay.log" 2>&1 </dev/null &
  echo $! >"$dir/relay.pid"
fi
for _ in $(seq 1 100); do
  if pg_isready -h "$ns_ip" -p 5432 -q; then
    echo "delayed-by $delayed_by"
    echo "url postgresql://postgres@$ns_ip:5432/postgres"
    exit 0
  fi
  sleep 0.1
done
cat "$dir/server.log" >&2 2>/dev/null
echo "the server at $ns_ip did not answer" >&2
stop "$dir"
exit 1
