#!/usr/bin/env bash
# Builds the bundle for a Linux GPU machine that has PyTorch (CUDA) but no .NET SDK: one compressed tarball,
# artifacts/gpu/bundle.tar.xz (about 40 MB; it must stay under 60 MiB to travel with a copy of the repository),
# that scripts/gpu-check.sh unpacks and runs there. Inside, under selfplaybn-gpu/:
#   dotnet/                     one .NET runtime (host, hostfxr, Microsoft.NETCore.App) taken from this SDK install
#   selfplaybn/selfplaybn       the trainer
#   tests/NAME/NAME             the xunit.v3 test executables (every tests/*/ project on xunit.v3.mtp-off)
#   BUNDLE.txt                  what was built, from which commit, and how to run it
# All are framework-dependent (they share dotnet/, set DOTNET_ROOT to it) and built with the external TorchSharp
# backend (libtorch is loaded at run time from SELFPLAYBN_LIBTORCH or --libtorch, e.g. PyTorch's torch/lib; see
# README, "TorchSharp backends"). The publish step makes libLibTorchSharp.so loadable on this host's libstdc++
# (build/NativeFix.targets); the patched copy loads on newer hosts as well.
#
#   scripts/publish-gpu.sh [OUT_DIR]        (default artifacts/gpu; staging in artifacts/gpu-stage)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/gpu}"
stage="artifacts/gpu-stage"
limit_mib=60

command -v dotnet >/dev/null || { echo "publish-gpu: the .NET SDK 10 is required (dotnet not on PATH)" >&2; exit 1; }
command -v xz >/dev/null || { echo "publish-gpu: xz is required to pack the bundle (apt-get install xz-utils)" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The runtime that goes into the bundle: the newest Microsoft.NETCore.App 10.x beside the SDK's dotnet host.
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
newest() { find "$1" -mindepth 1 -maxdepth 1 -type d -name "$2" -printf '%f\n' 2>/dev/null | sort -V | tail -1; }
runtime_version="$(newest "$dotnet_root/shared/Microsoft.NETCore.App" '10.*')"
fxr_version="$(newest "$dotnet_root/host/fxr" '*')"
if [ -z "$runtime_version" ] || [ -z "$fxr_version" ]; then
  echo "publish-gpu: no .NET 10 runtime or hostfxr under $dotnet_root" >&2; exit 1
fi

# The test projects that build as executables: those on xunit.v3 (see Directory.Packages.props).
mapfile -t test_projects < <(grep -l '<PackageReference Include="xunit.v3.mtp-off"' tests/*/*.csproj | sort)
[ ${#test_projects[@]} -gt 0 ] || { echo "publish-gpu: no xunit.v3 test project under tests/" >&2; exit 1; }

root="$stage/selfplaybn-gpu"
rm -rf "$stage"
mkdir -p "$root/dotnet/host" "$root/dotnet/shared/Microsoft.NETCore.App" "$root/tests"

# Framework-dependent, for linux-x64, the external backend; no XML docs; the tests without what only `dotnet test`
# needs (the VSTest adapter, test host and code coverage collector).
publish=(-c Release -r linux-x64 --self-contained false -p:TorchBackend=external -p:PublishDocumentationFiles=false
         -nologo -v quiet -clp:ErrorsOnly)
echo "publish-gpu: src/Trainer"
dotnet publish src/Trainer "${publish[@]}" -o "$root/selfplaybn"
for proj in "${test_projects[@]}"; do
  name="$(basename "$proj" .csproj)"
  echo "publish-gpu: $proj"
  dotnet publish "$proj" "${publish[@]}" -p:SelfPlayBNTestExecutableOnly=true -o "$root/tests/$name"
  [ -x "$root/tests/$name/$name" ] || { echo "publish-gpu: $proj did not publish an executable $name" >&2; exit 1; }
done

cp -a "$dotnet_root/dotnet" "$root/dotnet/"
cp -a "$dotnet_root/LICENSE.txt" "$dotnet_root/ThirdPartyNotices.txt" "$root/dotnet/" 2>/dev/null || true
mkdir -p "$root/dotnet/host/fxr"
cp -a "$dotnet_root/host/fxr/$fxr_version" "$root/dotnet/host/fxr/"
cp -a "$dotnet_root/shared/Microsoft.NETCore.App/$runtime_version" "$root/dotnet/shared/Microsoft.NETCore.App/"

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit (with uncommitted changes)"
{
  echo "SelfPlayBN GPU bundle: commit $commit, built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(sed -n 's/^PRETTY_NAME="\(.*\)"/\1/p' /etc/os-release)"
  echo ".NET runtime $runtime_version (hostfxr $fxr_version) in dotnet/; TorchSharp backend: external"
  echo "selfplaybn/selfplaybn"
  for proj in "${test_projects[@]}"; do n="$(basename "$proj" .csproj)"; echo "tests/$n/$n"; done
  echo
  echo "Run with DOTNET_ROOT=<this folder>/dotnet, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1, and SELFPLAYBN_LIBTORCH and"
  echo "LD_LIBRARY_PATH set to PyTorch's torch/lib; scripts/gpu-check.sh does this."
  echo "A test executable takes xunit.v3's options (--help): -trait Device=cuda runs the CUDA tests only."
} > "$root/BUNDLE.txt"

mkdir -p "$out"
rm -f "$out/bundle.tar.xz"
echo "publish-gpu: packing ($(du -sm "$root" | cut -f1) MiB unpacked)"
# xz -9: a 64 MiB dictionary, so the files that every app carries (TorchSharp, xunit) are stored about once.
tar -C "$stage" -cf - selfplaybn-gpu | xz -9 -T1 > "$out/bundle.tar.xz.tmp"
mv "$out/bundle.tar.xz.tmp" "$out/bundle.tar.xz"
echo "publish-gpu: $out/bundle.tar.xz: $(du -h "$out/bundle.tar.xz" | cut -f1) ($(wc -c < "$out/bundle.tar.xz") bytes)"
# What travels is everything under OUT_DIR, so that is what must fit.
total_mib="$(du -sm "$out" | cut -f1)"
if [ "$total_mib" -ge "$limit_mib" ]; then
  echo "publish-gpu: $out holds $total_mib MiB, over the $limit_mib MiB that can travel with the repository:" >&2
  du -sh "$out"/* >&2
  exit 1
fi
