#!/usr/bin/env bash
# The cluster figures of docs/benchmarks.md: `parley bench pairs` and
# `parley bench fanout` against one node on SQLite, one node on PostgreSQL,
# and three nodes on PostgreSQL and NATS, one after the other in one run, so
# their ratios compare. Needs PostgreSQL at PGHOST:PGPORT (default
# 127.0.0.1:5432, trust auth) and /usr/sbin/nats-server; it runs a NATS
# server of its own on a free port and a fresh database per setup.
#
#   test/clusterbench/run.sh [DURATION]   # default 10s per measurement
set -euo pipefail
cd "$(dirname "$0")/../.."
dur=${1:-10s}
pghost=${PGHOST:-127.0.0.1} pgport=${PGPORT:-5432}
bin=$(mktemp -d)/parley
go build -o "$bin" ./cmd/parley
work=$(mktemp -d)
pids=()
dbs=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for d in "${dbs[@]}"; do psql -h "$pghost" -p "$pgport" -U postgres -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
natsport=$(free_port)
/usr/sbin/nats-server -a 127.0.0.1 -p "$natsport" >/dev/null 2>&1 & pids+=($!)

export PARLEY_RATE_PER_SECOND=1000000 PARLEY_RATE_BURST=1000000 PARLEY_MAX_SUBSCRIBERS=1100 \
  PARLEY_LOG_LEVEL=error PARLEY_PASSWORD_COST=4 PARLEY_SIGNUP_BURST=1000000

# start NAME ENV...: starts a node and sets addr to its address. (Not in
# a $(…) subshell: the node's pid must reach pids, so it is stopped.)
start() {
  local name=$1; shift
  local port; port=$(free_port)
  mkdir -p "$work/$name"
  env "$@" "$bin" serve --listen "127.0.0.1:$port" --data "$work/$name" >"$work/$name.log" 2>&1 & pids+=($!)
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { addr="127.0.0.1:$port"; return; }
    sleep 0.1
  done
  echo "node $name did not start:" >&2; cat "$work/$name.log" >&2; exit 1
}

newdb() { # sets db to the URL of a fresh database, dropped at exit
  local name="parley_bench_$1_$$"
  psql -h "$pghost" -p "$pgport" -U postgres -qc "CREATE DATABASE $name" >/dev/null
  dbs+=("$name")
  db="postgres://postgres@$pghost:$pgport/$name?sslmode=disable"
}

stop_all_nodes() {
  for p in "${pids[@]:1}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=("${pids[0]}")
}

measure() { # SETUP ADDRS
  local setup=$1 addrs=$2
  for sc in "pairs --pairs 50" "fanout --conns 200"; do
    # shellcheck disable=SC2086
    "$bin" bench $sc --duration "$dur" --addr "$addrs" --quiet --json |
      python3 -c 'import json,sys; r=json.load(sys.stdin); print(sys.argv[1], json.dumps(r))' "$setup"
  done
}

start sqlite
measure "1 node, SQLite" "$addr"
stop_all_nodes

newdb one
start pg PARLEY_STORE="$db"
measure "1 node, PostgreSQL" "$addr"
stop_all_nodes

newdb three
addrs=""
for i in 1 2 3; do
  start "n$i" PARLEY_STORE="$db" PARLEY_NATS="nats://127.0.0.1:$natsport"
  addrs="${addrs:+$addrs,}$addr"
done
measure "3 nodes, PostgreSQL + NATS" "$addrs"
stop_all_nodes
