#!/usr/bin/env bash
# GPU checks on a Linux machine with PyTorch (CUDA) and no .NET SDK, with the bundle that scripts/publish-gpu.sh
# makes: info, the test executables (CUDA tests included), the self-play benchmark (pipeline against the network
# alone, with the GPU's use sampled by nvidia-smi), the served-model path on a 10x128 19x19 tower against PyTorch
# eager on the same tower, the BatchNorm and inference benchmarks, a short Tic-tac-toe run, C4_MINUTES of Connect
# Four training on CUDA (summarised by scripts/run-summary.py; exit code checked) and on the CPU for comparison, and
# a diagnosis of the exit on CUDA. Run it from the repository root. For issue 11's measurements in one device
# session (about 11 minutes with C4_MINUTES=6):
#   GPU_TESTS=cuda STEPS='info tests-* bench-selfplay bench-tower tower-pytorch train-tictactoe-cuda train-connect4-cuda exit-*' \
#     scripts/gpu-check.sh artifacts/gpu/bundle.tar.xz gpu-out 6
#
#   scripts/gpu-check.sh [BUNDLE] [OUT_DIR] [C4_MINUTES]
#     BUNDLE      artifacts/gpu/bundle.tar.xz (default; unpacked into UNPACK_DIR unless already there), or an
#                 unpacked bundle folder (the one holding dotnet/, selfplaybn/, tests/)
#     OUT_DIR     one log per step, test results, run folders (default $OUT, else gpu-out)
#     C4_MINUTES  minutes of Connect Four training on each device (default 1.5)
#   Environment:
#     STEPS       the steps to run, as space-separated shell patterns of step names (default '*': all), e.g.
#                 STEPS='info tests-*'; the names are printed as each step starts or is left out
#     GPU_TESTS   which tests the tests-* steps run: all (default), cuda (those with the trait Device=cuda), none
#     TORCH_LIB   the libtorch library folder (default: PyTorch's torch/lib, found through python3)
#     UNPACK_DIR  where the tarball is unpacked (default artifacts/gpu-unpacked)
# Exit status: 0 when every step that ran exited with 0 (and every test assembly reported), 1 otherwise;
# 2 when the bundle or libtorch cannot be found.
set -uo pipefail
bundle="${1:-artifacts/gpu/bundle.tar.xz}"
out="${2:-${OUT:-gpu-out}}"
minutes="${3:-1.5}"
steps="${STEPS:-*}"
gpu_tests="${GPU_TESTS:-all}"
limit="$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 + 45 }')"

fail() { echo "gpu-check: $*" >&2; exit 2; }
case "$gpu_tests" in all | cuda | none) ;; *) fail "GPU_TESTS='$gpu_tests': use all, cuda or none" ;; esac

# The bundle: a tarball is unpacked once (again only when it changes), a folder is used as it is.
if [ -f "$bundle" ]; then
  unpack="${UNPACK_DIR:-artifacts/gpu-unpacked}"
  id="$(sha256sum "$bundle" | cut -d' ' -f1)"
  if [ "$(cat "$unpack/bundle.sha256" 2>/dev/null)" != "$id" ]; then
    echo "gpu-check: unpacking $bundle into $unpack"
    rm -rf "$unpack/selfplaybn-gpu" "$unpack/bundle.sha256"
    mkdir -p "$unpack" || fail "cannot create $unpack"
    if ! { command -v xz >/dev/null && tar -C "$unpack" -xJf "$bundle"; }; then
      echo "gpu-check: tar and xz did not unpack it; trying Python's tarfile"
      rm -rf "$unpack/selfplaybn-gpu"
      python3 - "$bundle" "$unpack" <<'EOF' || fail "cannot unpack $bundle (neither with tar and xz nor with Python's tarfile)"
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    t.extractall(sys.argv[2], **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))
EOF
    fi
    echo "$id" > "$unpack/bundle.sha256"
  fi
  app="$unpack/selfplaybn-gpu"
elif [ -d "$bundle" ]; then
  app="$bundle"
else
  fail "no bundle at $bundle: make it with scripts/publish-gpu.sh where the .NET SDK is, and bring artifacts/gpu/ along"
fi
if [ ! -x "$app/dotnet/dotnet" ] || [ ! -x "$app/selfplaybn/selfplaybn" ]; then
  fail "$app is not a bundle of scripts/publish-gpu.sh (no dotnet/dotnet or selfplaybn/selfplaybn)"
fi
app="$(cd "$app" && pwd)"

# libtorch: TORCH_LIB, else the one inside PyTorch.
if [ -n "${TORCH_LIB:-}" ]; then
  torch_lib="$TORCH_LIB"
else
  torch_lib="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__) + "/lib")' 2>/dev/null)" ||
    fail "PyTorch not found (python3 -c 'import torch' failed); set TORCH_LIB to a folder holding libtorch_cpu.so"
fi
[ -e "$torch_lib/libtorch_cpu.so" ] || fail "no libtorch_cpu.so in '$torch_lib' (TORCH_LIB or PyTorch's torch/lib)"

mkdir -p "$out" || fail "cannot create $out"
unset DOTNET_ROOT_X64 # it would take precedence over DOTNET_ROOT
export DOTNET_ROOT="$app/dotnet"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export SELFPLAYBN_LIBTORCH="$torch_lib"
export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
bin="$app/selfplaybn/selfplaybn"

failed_steps=()
selected() { # selected NAME: whether STEPS names this step
  local pattern patterns
  read -ra patterns <<< "$steps" # split on blanks, without expanding the patterns against file names
  for pattern in "${patterns[@]}"; do
    # shellcheck disable=SC2053 # a pattern, on purpose
    [[ "$1" == $pattern ]] && return 0
  done
  return 1
}
step() { # step SECONDS NAME COMMAND...: runs with a time limit, output to the console and OUT/NAME.log
  local limit="$1" name="$2"; shift 2
  step_exit=""
  if ! selected "$name"; then echo "=== $name: left out (STEPS='$steps')"; return 0; fi
  echo "=== $name: $*"
  timeout "$limit" "$@" 2>&1 | tee "$out/$name.log" | grep -v '^   at ' | tail -40
  step_exit=${PIPESTATUS[0]}
  echo "=== $name: exit $step_exit"
  [ "$step_exit" -eq 0 ] || failed_steps+=("$name")
}

count() { # count LINE FIELD: the number after "FIELD: " in LINE, 0 when absent
  sed -nE "s/.*[ ,]$2: ([0-9]+).*/\1/p" <<< "$1" | grep . || echo 0
}

# The test executables, one step each (tests-ASSEMBLY), then a table of their counts (also in OUT/tests-summary.txt).
# Each writes xunit's XML results to OUT/tests-ASSEMBLY.xml; GPU_TESTS=cuda runs only the [CudaFact] tests.
run_tests() {
  local filter=() dir name summary line total failed skipped notrun passed
  [ "$gpu_tests" = none ] && { echo "=== tests: left out (GPU_TESTS=none)"; return 0; }
  [ "$gpu_tests" = cuda ] && filter=(-trait "Device=cuda")
  summary="$out/tests-summary.txt"
  printf '%-32s %6s %6s %6s %7s %5s\n' "assembly ($gpu_tests)" ran passed failed skipped exit > "$summary"
  local sum_p=0 sum_f=0 sum_s=0 ran_any=0
  for dir in "$app"/tests/*/; do
    dir="${dir%/}"; name="$(basename "$dir")"
    [ -x "$dir/$name" ] || { echo "gpu-check: $dir has no executable $name" >&2; failed_steps+=("tests-$name"); continue; }
    step 300 "tests-$name" "$dir/$name" -noColor -noAutoReporters -result-xml "$out/tests-$name.xml" "${filter[@]}"
    [ -n "$step_exit" ] || continue
    ran_any=1
    # xunit.v3's closing line: "   NAME  Total: 207, Errors: 0, Failed: 0, Skipped: 7, Not Run: 0, Time: 2.1s" (or "Total: 0").
    line="$(grep -E "^ +$name +Total: [0-9]+" "$out/tests-$name.log" | tail -1)"
    if [ -z "$line" ]; then
      printf '%-32s %6s %6s %6s %7s %5s\n' "$name" - - - - "$step_exit" >> "$summary"
      echo "gpu-check: $name printed no summary (exit $step_exit)" >&2
      [[ " ${failed_steps[*]} " == *" tests-$name "* ]] || failed_steps+=("tests-$name")
      continue
    fi
    total="$(count "$line" Total)"; failed="$(count "$line" Failed)"
    skipped="$(count "$line" Skipped)"; notrun="$(count "$line" 'Not Run')"
    passed=$((total - failed - skipped - notrun))
    sum_p=$((sum_p + passed)); sum_f=$((sum_f + failed)); sum_s=$((sum_s + skipped))
    printf '%-32s %6s %6s %6s %7s %5s\n' "$name" "$((total - notrun))" "$passed" "$failed" "$skipped" "$step_exit" >> "$summary"
  done
  [ "$ran_any" -eq 1 ] || return 0
  echo "gpu tests: $sum_p passed, $sum_f failed, $sum_s skipped" >> "$summary"
  echo "=== tests summary"
  cat "$summary"
}

date -u
head -2 "$app/BUNDLE.txt" 2>/dev/null
"$app/dotnet/dotnet" --list-runtimes
nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not found or no GPU"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda)' 2>/dev/null || echo "torch: not importable"
echo "libtorch: $torch_lib"
step 60 info "$bin" info --libtorch "$torch_lib"
run_tests

# The GPU's use beside a step: nvidia-smi dmon samples (SM %, memory %) every 2 s into OUT/dmon-NAME.txt.
with_dmon() { # with_dmon NAME SECONDS COMMAND...
  local name="$1"; shift
  local dmon=""
  if selected "$name" && command -v nvidia-smi >/dev/null; then
    nvidia-smi dmon -s u -d 2 > "$out/dmon-$name.txt" 2>&1 &
    dmon=$!
  fi
  step "$1" "$name" "${@:2}"
  if [ -n "$dmon" ]; then
    kill "$dmon" 2>/dev/null; wait "$dmon" 2>/dev/null
    awk '!/^#/ && NF >= 2 { n++; sm += $2 } END { if (n) printf "=== %s: GPU SM use %.0f %% on average over %d samples\n", name, sm / n, n }' name="$name" "$out/dmon-$name.txt"
  fi
}
with_dmon bench-selfplay 240 "$bin" bench --only selfplay --device cuda --seconds 20 --libtorch "$torch_lib"
step 120 bench-tower "$bin" bench --only tower --device cuda --seconds 3 --libtorch "$torch_lib"
step 120 tower-pytorch python3 scripts/tower-pytorch.py 3 1024
step 130 bench "$bin" bench --only batchnorm inference --seconds 2 --libtorch "$torch_lib"
step 90 train-tictactoe-cuda "$bin" train --libtorch "$torch_lib" --device cuda --game tictactoe --generations 3 --run-dir "$out/ttt-cuda"
with_dmon train-connect4-cuda "$limit" "$bin" train --libtorch "$torch_lib" --device cuda --game connect4 --minutes "$minutes" --run-dir "$out/c4-cuda"
[ -f "$out/c4-cuda/metrics.jsonl" ] && python3 scripts/run-summary.py "$out/c4-cuda" --markdown | tee "$out/c4-cuda-summary.md"
step "$limit" train-connect4-cpu "$bin" train --libtorch "$torch_lib" --device cpu --game connect4 --minutes "$minutes" --run-dir "$out/c4-cpu"
[ -f "$out/c4-cpu/metrics.jsonl" ] && python3 scripts/run-summary.py "$out/c4-cpu" --markdown | tee "$out/c4-cpu-summary.md"
# The exit on CUDA: the runs above end through TorchBootstrap.Exit (no native teardown). The same short run with the
# native teardown kept shows whether the old crash at exit (code 139) is still there; with gdb, its backtrace.
step 120 exit-full-native-teardown env SELFPLAYBN_FULL_NATIVE_EXIT=1 "$bin" train --libtorch "$torch_lib" --device cuda --game connect4 --generations 1 --run-dir "$out/c4-exit"
if selected exit-gdb && command -v gdb >/dev/null && [ "${step_exit:-0}" -ne 0 ]; then
  step 150 exit-gdb gdb -q -batch -ex 'set environment SELFPLAYBN_FULL_NATIVE_EXIT 1' -ex run -ex 'thread apply all bt 12' \
    --args "$bin" train --libtorch "$torch_lib" --device cuda --game connect4 --generations 2 --run-dir "$out/c4-exit"
fi
for d in c4-cuda c4-cpu ttt-cuda c4-exit; do rm -rf "${out:?}/$d/replay" "${out:?}/$d/trainer"; done # keep logs, metrics, models small
du -sh "$out"
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "gpu-check: steps that failed: ${failed_steps[*]}"
  exit 1
fi
echo "gpu-check: every step that ran exited with 0"
