#!/usr/bin/env bash
# What #[cost_budget] costs at compile time: `cargo check` of a generated 100-layer model,
# with the attribute and without it (the same struct, plain), median of N runs each.
# Usage: scripts/macro-bench.sh [LAYERS] [RUNS]      (default 100 layers, 7 runs)
# Prints one Markdown table row per variant and the macro's share of `cargo check`, with the
# proc macro built unoptimized (cargo's default for dev builds) and with
# `[profile.dev.build-override] opt-level = 3` (what README recommends).
set -euo pipefail
layers=${1:-100}
runs=${2:-7}
repo=$(cd "$(dirname "$0")/.." && pwd)
work="$repo/target/macro-bench"
mkdir -p "$work"

gen() { # gen DIR WITH_MACRO
  local dir=$1 with=$2
  mkdir -p "$dir/src"
  cat > "$dir/Cargo.toml" <<TOML
[package]
name = "$(basename "$dir")"
version = "0.0.0"
edition = "2024"

[dependencies]
alphaflops = { path = "$repo" }

[workspace]

[profile.dev.build-override]
opt-level = ${OPT:-0}
TOML
  cp "$repo/Cargo.lock" "$dir/Cargo.lock" 2>/dev/null || true
  {
    echo "#![allow(dead_code)]"
    echo "pub struct Linear;"
    [ "$with" = 1 ] && echo "#[alphaflops::cost_budget(input = [8, 256])]"
    echo "pub struct Deep {"
    for i in $(seq 1 "$layers"); do
      [ "$with" = 1 ] && echo "    #[layer(linear(d_input = 256, d_output = 256))]"
      echo "    fc$i: Linear,"
    done
    echo "}"
  } > "$dir/src/lib.rs"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

time_check() { # time_check DIR → median seconds of `cargo check` after touching lib.rs
  local dir=$1
  (cd "$dir" && CARGO_TARGET_DIR="$work/target" cargo check --quiet --offline >/dev/null 2>&1)
  for _ in $(seq 1 "$runs"); do
    touch "$dir/src/lib.rs"
    local t0 t1
    t0=$(date +%s.%N)
    (cd "$dir" && CARGO_TARGET_DIR="$work/target" cargo check --quiet --offline >/dev/null 2>&1)
    t1=$(date +%s.%N)
    awk -v a="$t1" -v b="$t0" 'BEGIN { print a - b }'
  done | median
}

printf '| proc macro | plain 100-layer struct | with #[cost_budget] | macro share |\n|---|---:|---:|---:|\n'
for OPT in 0 3; do
  export OPT
  gen "$work/with_macro_o$OPT" 1
  gen "$work/plain_o$OPT" 0
  with=$(time_check "$work/with_macro_o$OPT")
  plain=$(time_check "$work/plain_o$OPT")
  share=$(awk -v w="$with" -v p="$plain" 'BEGIN { print 100 * (w - p) / w }')
  printf '| opt-level %s | %.3f s | %.3f s | %.1f %% |\n' "$OPT" "$plain" "$with" "$share"
done
printf '\n(cargo check after touching lib.rs, median of %s runs, %s layers)\n' "$runs" "$layers"
