#!/usr/bin/env bash
# A local training cluster of N `selfplaybn node` processes on 127.0.0.1 (loopback only, plain TCP):
# node 1 has the trainer and evaluator roles (replay buffer, trainer, Precise BN, registry, evaluator), nodes 2..N self-play.
# All share one run folder, as one machine's nodes would. Ctrl+C (or SIGTERM, or `stop`) stops every node
# cleanly: each leaves the cluster, and a node still running after STOP_SECONDS is killed.
#
#   scripts/cluster-local.sh N [node options...]     start N >= 2 nodes, wait, stop them all on Ctrl+C
#   scripts/cluster-local.sh N --detach [options]    start them in the background and return
#   scripts/cluster-local.sh stop                    stop a detached cluster (the pids in RUN_DIR/cluster.pids)
#
# Environment: RUN_DIR (default runs/cluster-local), GAME (tictactoe), CONFIG (a run config file instead of the
# embedded configs/$GAME.json), BASE_PORT (25520: node i listens on BASE_PORT+i-1), CONFIGURATION (Release),
# STOP_SECONDS (30), SKIP_BUILD (1: use the existing build), ROLES (each node's roles, space-separated, one entry per
# node, e.g. ROLES="trainer selfplay selfplay precisebn" for Precise BN on a node of its own; default: node 1
# trainer,evaluator, the others selfplay). Extra options go to every node, e.g. --minutes 5, --threads 2, --device cuda.
# Each node's output is in RUN_DIR/logs/node-i.out; self-play events in RUN_DIR/nodes/.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_DIR="${RUN_DIR:-runs/cluster-local}"
GAME="${GAME:-tictactoe}"
BASE_PORT="${BASE_PORT:-25520}"
CONFIGURATION="${CONFIGURATION:-Release}"
STOP_SECONDS="${STOP_SECONDS:-30}"
PIDS="$RUN_DIR/cluster.pids"

stop_nodes() {
  [ -f "$PIDS" ] || return 0
  local pids
  pids=$(cat "$PIDS")
  echo "cluster-local: stopping nodes $pids"
  for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
  local waited=0
  for p in $pids; do
    while kill -0 "$p" 2>/dev/null && [ "$waited" -lt "$STOP_SECONDS" ]; do sleep 1; waited=$((waited + 1)); done
    if kill -0 "$p" 2>/dev/null; then echo "cluster-local: node $p did not stop in ${STOP_SECONDS}s, killing it"; kill -KILL "$p" 2>/dev/null || true; fi
  done
  rm -f "$PIDS"
  echo "cluster-local: stopped"
}

if [ "${1:-}" = "stop" ]; then stop_nodes; exit 0; fi

N="${1:-}"
if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -lt 2 ]; then
  echo "usage: scripts/cluster-local.sh N [--detach] [node options...]   (N >= 2: one trainer node, N-1 self-play nodes)" >&2
  echo "       scripts/cluster-local.sh stop" >&2
  exit 2
fi
shift
DETACH=0
if [ "${1:-}" = "--detach" ]; then DETACH=1; shift; fi
if [ -n "${ROLES:-}" ]; then
  read -r -a node_roles <<< "$ROLES"
  if [ "${#node_roles[@]}" -ne "$N" ]; then
    echo "cluster-local: ROLES names ${#node_roles[@]} nodes' roles ('$ROLES'), but $N nodes were asked for" >&2
    exit 2
  fi
fi
if [ -f "$PIDS" ]; then
  echo "cluster-local: $PIDS exists: a cluster may still run there (scripts/cluster-local.sh stop)" >&2
  exit 2
fi

[ "${SKIP_BUILD:-0}" = "1" ] || dotnet build src/Trainer -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly
EXE="src/Trainer/bin/$CONFIGURATION/net10.0/selfplaybn.dll"
[ -f "$EXE" ] || { echo "cluster-local: $EXE is not built" >&2; exit 1; }
mkdir -p "$RUN_DIR/logs"
run_options=(--run-dir "$RUN_DIR")
if [ -n "${CONFIG:-}" ]; then run_options+=(--config "$CONFIG"); else run_options+=(--game "$GAME"); fi
# Every node gets the same seeds: the trainer first (it forms the cluster, and rejoins through node 2 after a restart).
seeds=(--seed "127.0.0.1:$BASE_PORT" --seed "127.0.0.1:$((BASE_PORT + 1))")

: > "$PIDS"
for i in $(seq 1 "$N"); do
  port=$((BASE_PORT + i - 1))
  role=selfplay
  [ "$i" -eq 1 ] && role=trainer,evaluator
  [ -n "${ROLES:-}" ] && role="${node_roles[$((i - 1))]}"
  dotnet "$EXE" node --roles "$role" --port "$port" "${seeds[@]}" "${run_options[@]}" "$@" > "$RUN_DIR/logs/node-$i.out" 2>&1 &
  echo -n "$! " >> "$PIDS"
  echo "cluster-local: node $i ($role) on 127.0.0.1:$port, pid $!, output $RUN_DIR/logs/node-$i.out"
done

if [ "$DETACH" -eq 1 ]; then
  echo "cluster-local: running in the background; stop with: RUN_DIR=$RUN_DIR scripts/cluster-local.sh stop"
  exit 0
fi
trap 'stop_nodes; exit 0' INT TERM
echo "cluster-local: $N nodes running; Ctrl+C stops them all"
# Wait for the nodes (a node that stops on its own, e.g. at --minutes, ends the wait when all have stopped).
for p in $(cat "$PIDS"); do while kill -0 "$p" 2>/dev/null; do sleep 1; done; done
rm -f "$PIDS"
echo "cluster-local: every node has stopped"
