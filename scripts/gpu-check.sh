#!/usr/bin/env bash
# GPU checks on a Linux machine with PyTorch (CUDA) and no .NET SDK, using a folder made by
# scripts/publish-gpu.sh: info, the BatchNorm and inference benchmarks, a short Tic-tac-toe run and a
# few minutes of Connect Four self-play training on CUDA (and the same on the CPU for comparison).
# Usage: scripts/gpu-check.sh [APP_DIR] [OUT_DIR] [C4_MINUTES]
set -uo pipefail
app="${1:-artifacts/gpu/selfplaybn}"
out="${2:-${OUT:-gpu-out}}"
minutes="${3:-1.5}"
limit="$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 + 45 }')"
mkdir -p "$out"
torch_lib="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__) + "/lib")')"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
bin="$app/selfplaybn"
chmod +x "$bin" 2>/dev/null || true
step() { # step SECONDS NAME COMMAND...: runs with a time limit, output to the console and OUT/NAME.log
  local limit="$1" name="$2"; shift 2
  echo "=== $name: $*"
  timeout "$limit" "$@" 2>&1 | tee "$out/$name.log" | grep -v '^   at ' | tail -40
  echo "=== $name: exit ${PIPESTATUS[0]}"
}
date -u
nvidia-smi -L 2>/dev/null || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)'
step 60 info "$bin" info --libtorch "$torch_lib"
step 130 bench "$bin" bench --only batchnorm inference --seconds 2 --libtorch "$torch_lib"
step 90 train-tictactoe-cuda "$bin" train --libtorch "$torch_lib" --device cuda --game tictactoe --generations 3 --run-dir "$out/ttt-cuda"
step "$limit" train-connect4-cuda "$bin" train --libtorch "$torch_lib" --device cuda --game connect4 --minutes "$minutes" --run-dir "$out/c4-cuda"
step "$limit" train-connect4-cpu "$bin" train --libtorch "$torch_lib" --device cpu --game connect4 --minutes "$minutes" --run-dir "$out/c4-cpu"
for d in c4-cuda c4-cpu; do rm -rf "$out/$d/replay" "$out/$d/trainer"; done # keep logs, metrics, models small
du -sh "$out"
