#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of fuzz/ on the STABLE toolchain: no cargo-fuzz, no nightly.
# libfuzzer-sys compiles libFuzzer (C++) and links it; rustc's stable codegen flags add LLVM's
# SanitizerCoverage instrumentation (the same passes cargo-fuzz asks for, minus AddressSanitizer,
# which needs nightly; Rust code is memory-safe without it, and the targets fail on panics).
#
#   fuzz/run.sh build [smoke]         build every target (release, debug assertions, overflow checks;
#                                     `smoke`: the smoke run's quicker-to-build profile)
#   fuzz/run.sh smoke [SECONDS]       build (profile `smoke`: opt-level 1, a quicker build), then run
#                                     each target SECONDS (default 10) from its seeds
#   fuzz/run.sh run TARGET SECONDS    one long run; new inputs go to fuzz/corpus/TARGET
#   fuzz/run.sh seeds                 regenerate fuzz/seeds/ from the fixtures (make_seeds.py)
#
# A crash leaves its input in fuzz/artifacts/TARGET/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")"

TARGETS=(authn_redirect authn_post sp_metadata logout acs scenario journal admin_json pin_json)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
FLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4"
FLAGS+=" -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table"
FLAGS+=" -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
# An explicit --target keeps RUSTFLAGS off build scripts and proc macros (as cargo-fuzz does).
HOST="$(rustc -vV | sed -n 's/^host: //p')"
# `smoke` (and `build smoke`) use the quicker-to-build profile of fuzz/Cargo.toml; long runs use release.
PROFILE=release
if [ "${1:-smoke}" = smoke ] || [ "${2:-}" = smoke ]; then PROFILE=smoke; fi
BIN="$CARGO_TARGET_DIR/$HOST/$PROFILE"

build() {
    RUSTFLAGS="$FLAGS" cargo build --profile "$PROFILE" --bins --target "$HOST"
}

run_one() { # target seconds [extra libFuzzer flags]
    local t=$1 secs=$2
    shift 2
    mkdir -p "corpus/$t" "artifacts/$t"
    "$BIN/$t" "corpus/$t" "seeds/$t" -max_total_time="$secs" -max_len=65536 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="artifacts/$t/" -print_final_stats=1 "$@"
}

case "${1:-smoke}" in
build) build ;;
seeds) python3 make_seeds.py ;;
run) build; run_one "$2" "$3" ;;
smoke)
    secs="${2:-10}"
    build
    for t in "${TARGETS[@]}"; do
        echo "== $t ($secs s)"
        mkdir -p artifacts
        if ! run_one "$t" "$secs" >"artifacts/$t.log" 2>&1; then
            tail -40 "artifacts/$t.log"
            echo "fuzz target $t failed; its input is in fuzz/artifacts/$t/" >&2
            exit 1
        fi
        grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units)" "artifacts/$t.log" || true
    done
    ;;
*) echo "usage: fuzz/run.sh build | smoke [SECONDS] | run TARGET SECONDS | seeds" >&2; exit 2 ;;
esac
