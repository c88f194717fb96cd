#!/usr/bin/env bash
# The whole test suite, from a fresh clone on Debian 12 / Ubuntu 22.04+ with the .NET SDK 10:
# installs the Debian packages the tests need when they are missing, restores NuGet packages, builds
# (the build also makes TorchSharp loadable on this libstdc++, see build/NativeFix.targets) and runs
# every test project. Prints a closing line "tests: N passed, N failed, N skipped".
#
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Search]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use. Only missing ones are installed (needs root or sudo).
APT_PACKAGES=(gnugo leela-zero) # GTP opponents of the Go tests (/usr/games/gnugo, /usr/games/leelaz)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

command -v dotnet >/dev/null || { echo "test.sh: the .NET SDK 10 is required (dotnet not on PATH)" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
config="${CONFIGURATION:-Release}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

dotnet build SelfPlayBN.sln -c "$config" -nologo -v quiet -clp:ErrorsOnly
set +e
if [[ " $* " == *" --filter "* ]]; then
  dotnet test SelfPlayBN.sln -c "$config" --no-build -nologo "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
else
  # The multi-process cluster tests run last, on their own, so that the other test assemblies' load does not slow
  # their real node processes (they run one at a time within their assembly too).
  dotnet test SelfPlayBN.sln -c "$config" --no-build -nologo --filter "FullyQualifiedName!~SelfPlayBN.Cluster.Tests" "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  dotnet test tests/Cluster.Tests -c "$config" --no-build -nologo "$@" 2>&1 | tee -a "$log"
  cluster_status=${PIPESTATUS[0]}
  [ "$status" -ne 0 ] || status=$cluster_status
fi
set -e

# One closing line over all test assemblies, from the runner's per-assembly summaries.
awk '
  /(Passed|Failed)! *- *Failed:/ {
    match($0, /Failed: *[0-9]+/);  f += substr($0, RSTART + 7, RLENGTH - 7) + 0
    match($0, /Passed: *[0-9]+/);  p += substr($0, RSTART + 7, RLENGTH - 7) + 0
    match($0, /Skipped: *[0-9]+/); s += substr($0, RSTART + 8, RLENGTH - 8) + 0
    assemblies++
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s; if (assemblies == 0) exit 1 }
' "$log" || { echo "test.sh: no test assembly reported results" >&2; exit 1; }
exit "$status"
