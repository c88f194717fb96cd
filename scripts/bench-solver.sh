#!/usr/bin/env bash
# Runs the Connect Four solver benchmark (`selfplaybn bench --only solver`: the fixed set of 100 positions of
# 8-12 stones, seed 20240601, all seven columns answered, with 1 and then 2 search threads) with one or more
# published selfplaybn builds, interleaved round by round, so that before/after builds see the same load.
#
# Usage:  scripts/bench-solver.sh [-r ROUNDS] [-o LOGDIR] SELFPLAYBN [SELFPLAYBN...]
#   SELFPLAYBN  path to a published selfplaybn executable (one per build to compare)
#   -r ROUNDS   rounds (default 2); each round runs every build once, in the order given
#   -o LOGDIR   where the full outputs go (default: a new folder under /tmp)
#
# A self-contained build that needs no .NET SDK on the measuring machine (the solver does not use libtorch,
# so the small external-backend build is enough):
#   dotnet publish src/Trainer -c Release -r linux-x64 --self-contained -p:TorchBackend=external -o DIR
# Two cores, as on the development machine:
#   taskset -c 0,1 scripts/bench-solver.sh DIR/selfplaybn
#
# Per run it prints the load average, then the benchmark's summary lines: time per stone count (mean and worst
# ms), search nodes per stone count (mean and worst; with one thread they are the same on every machine),
# positions/s and the worst position, for 1 and 2 threads.
set -euo pipefail

rounds=2
logdir=""
while getopts "r:o:h" opt; do
  case "$opt" in
    r) rounds="$OPTARG" ;;
    o) logdir="$OPTARG" ;;
    h) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "usage: $0 [-r ROUNDS] [-o LOGDIR] SELFPLAYBN [SELFPLAYBN...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
  echo "error: give the path of at least one published selfplaybn executable" >&2
  exit 2
fi
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
  echo "error: -r needs a positive whole number of rounds, not '$rounds'" >&2
  exit 2
fi
for exe in "$@"; do
  if [ ! -x "$exe" ] || [ -d "$exe" ]; then
    echo "error: '$exe' is not an executable file (expected a published selfplaybn)" >&2
    exit 2
  fi
done
if [ -z "$logdir" ]; then logdir="$(mktemp -d /tmp/bench-solver.XXXXXX)"; fi
mkdir -p "$logdir"

echo "bench-solver: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) usable cores (affinity: $(taskset -pc $$ 2>/dev/null | sed 's/.*: //' || echo unknown)), logs in $logdir"
for ((round = 1; round <= rounds; round++)); do
  i=0
  for exe in "$@"; do
    i=$((i + 1))
    log="$logdir/round$round-build$i.txt"
    echo
    echo "== round $round, build $i: $exe"
    echo "   load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    # 600 s of measuring time per thread count: enough for all 100 positions on any reasonable machine.
    "$exe" bench --only solver --seconds 600 > "$log" 2>&1 || { echo "error: the benchmark failed, see $log" >&2; exit 1; }
    echo "   load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
    grep -E '^  (1 thread|2 threads|8-12 stones, worst)' "$log" | sed 's/^/  /'
  done
done
