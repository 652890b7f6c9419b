#!/usr/bin/env bash
# CI smoke of the fuzz targets: builds fuzz/ (stable toolchain, libFuzzer via libfuzzer-sys, which
# needs only the C++ compiler already present) and runs each target a few seconds from its
# committed seeds. A crash fails CI and leaves its input in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
fuzz/run.sh smoke "${FUZZ_SMOKE_SECONDS:-5}"
echo "fuzz smoke: $(( $(date +%s) - start )) s"
