#!/usr/bin/env bash
# Refits every fitted profile in alphaflops-core/profiles/ from the measurements committed beside it (and the
# paper's data in ../shared/data), with the form BENCHMARKS.md chose for it: the commands
# behind its §2, §3, §4, §8 and §10 in one place. Nothing is measured, so it runs anywhere in a
# minute or two (after the release build). Device name, kind, backend and dtype and the
# environment (CPU, driver, clocks, NVML power) are kept from the profile being replaced.
#
#   scripts/refit-profiles.sh                    # rewrite alphaflops-core/profiles/*.toml
#   OUT=target/refit scripts/refit-profiles.sh   # write elsewhere, e.g. to compare
set -euo pipefail
cd "$(dirname "$0")/.."
profiles=alphaflops-core/profiles
out=${OUT:-$profiles}
data=${ALPHAFLOPS_DATA_DIR:-../shared/data}
mkdir -p "$out"
cargo build -q --release -p xtask
xtask=target/release/xtask

# refit NAME DATA FIT-FLAGS...: refits $profiles/NAME.toml from DATA; the device's name, kind,
# backend and dtype and the environment come from the profile it replaces.
refit() {
  local name=$1 csv=$2; shift 2
  "$xtask" fit --data "$csv" --out "$out/$name.toml" "$@" --environment-from "$profiles/$name.toml" | head -1
}

# The paper's data: its own form (§2), and the extended form with a floor and a class for
# the dense layers (§3).
if [[ -f $data/asperti2021-quadro-t2000.csv ]]; then
  refit quadro-t2000-fit-paper "$data/asperti2021-quadro-t2000.csv" --model paper
  refit quadro-t2000-fit-extended "$data/asperti2021-quadro-t2000.csv" --model extended --floor --matmul-class
else
  echo "skipped the quadro-t2000-fit-* profiles: $data/asperti2021-quadro-t2000.csv is absent (set ALPHAFLOPS_DATA_DIR)"
fi
# This machine's CPU (§4): the form the default `--model auto` chose on the quiet op grid by
# leave-one-experiment-out (§4), named so the refit takes seconds, not the cross-validation.
refit cpu-amd-epyc-2c-candle $profiles/cpu-amd-epyc-2c-candle-ops.csv --model kernel --matmul-class --loss l1
# The GPUs (§10): the kernel-aware form, the one `--model auto` chose in most folds of §10,
# fitted on each grid plus its random set, whose arbitrary channel counts the power-of-two grid
# lacks; §10's half-split runs give its out-of-sample figures.
for n in nvidia-h200-cudnn-{f32,tf32,bf16}{,-graph} nvidia-h100-cudnn-{f32,tf32}{,-graph}; do
  "$xtask" fit --data "$profiles/$n.csv" "$profiles/$n-random.csv" --out "$out/$n.toml" \
    --model kernel --matmul-class --loss l1 --environment-from "$profiles/$n.toml" | head -1
done
