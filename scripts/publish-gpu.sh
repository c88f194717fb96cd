#!/usr/bin/env bash
# Publishes selfplaybn self-contained for a Linux GPU machine that has PyTorch (CUDA) but no .NET SDK:
# the external TorchSharp backend (libtorch is loaded at run time from the PyTorch install, see README,
# "TorchSharp backends"), trimmed to about 40 MB. Copy the folder there and run scripts/gpu-check.sh with it.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/gpu/selfplaybn}"
dotnet publish src/Trainer -c Release -r linux-x64 --self-contained \
  -p:TorchBackend=external -p:PublishTrimmed=true -p:TrimMode=partial \
  -p:SuppressTrimAnalysisWarnings=true -p:JsonSerializerIsReflectionEnabledByDefault=true \
  -o "$out"
echo "published to $out ($(du -sh "$out" | cut -f1))"
