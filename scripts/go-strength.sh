#!/usr/bin/env bash
# Strength of a Go run's latest model (or MODEL): matches against GNU Go at level 1 and level 10 and against this
# project's rollout-MCTS engine at the same visits, each with colours alternating, through `selfplaybn match`.
# Prints each match's Markdown summary (win rate with its 95 % Wilson interval, Elo) and keeps the SGF files.
#
#   scripts/go-strength.sh RUN_DIR [GAMES] [VISITS] [OUT_DIR]
#
# RUN_DIR: a run folder of a Go game (config.json, models/); GAMES per match (default 40); VISITS per move of our
# engine and of the rollout engine (default 100); OUT_DIR for summaries and SGF files (default RUN_DIR/strength).
# SELFPLAYBN (default: dotnet src/Trainer/bin/Release/net10.0/selfplaybn.dll) runs the executable; MODEL picks a
# model file instead of the latest; PARALLEL games at once (default 1; each game's two engines take turns, so one per core).
# Needs /usr/games/gnugo (apt-get install gnugo).
set -euo pipefail
run=${1:?usage: scripts/go-strength.sh RUN_DIR [GAMES] [VISITS] [OUT_DIR]}
games=${2:-40}
visits=${3:-100}
out=${4:-$run/strength}
exe=${SELFPLAYBN:-dotnet src/Trainer/bin/Release/net10.0/selfplaybn.dll}
gnugo=/usr/games/gnugo
[ -x "$gnugo" ] || { echo "error: $gnugo is missing (apt-get install gnugo)" >&2; exit 2; }
[ -f "$run/config.json" ] || { echo "error: $run/config.json is missing: not a run folder" >&2; exit 2; }
model=${MODEL:-$(ls "$run"/models/model-*.bin 2>/dev/null | sort | tail -1)}
[ -n "$model" ] && [ -f "$model" ] || { echo "error: no published model in $run/models" >&2; exit 2; }
size=$(python3 -c "import json,re,sys; t=open(sys.argv[1]).read(); print(re.sub(r'\D','',json.loads(t)['game']))" "$run/config.json")
komi=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('go',{}).get('komi',7.5))" "$run/config.json")
mkdir -p "$out"
ours="$exe gtp --weights $model --visits $visits --threads 1"
echo "model $model, ${size}x${size}, komi $komi, $games games per match, $visits visits per move"
for opponent in "gnugo-level1|$gnugo --mode gtp --level 1 --chinese-rules --capture-all-dead" \
                "gnugo-level10|$gnugo --mode gtp --level 10 --chinese-rules --capture-all-dead" \
                "rollout-$visits|$exe gtp --oracle rollout --size $size --visits $visits --threads 1"; do
  name=${opponent%%|*}
  command=${opponent#*|}
  echo "== $name: $command"
  $exe match --black "$ours" --white "$command" --games "$games" --size "$size" --komi "$komi" \
    --sgf-dir "$out/$name" --timeout 120 --parallel "${PARALLEL:-1}" | tee "$out/$name.txt" | sed -n '/^###/,$p'
done
