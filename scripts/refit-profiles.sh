#!/usr/bin/env bash
# Refits every fitted profile in profiles/ from the measurements committed beside it (and the
# paper's data in ../shared/data), with the form BENCHMARKS.md chose for it: the commands
# behind its §2, §3, §4 and §8 in one place. Nothing is measured, so it runs anywhere in a
# minute or two (after the release build). Device name, backend and dtype are read from the
# profile being replaced, and its environment (CPU, driver, clocks, NVML power) is kept.
#
#   scripts/refit-profiles.sh                    # rewrite profiles/*.toml
#   OUT=target/refit scripts/refit-profiles.sh   # write elsewhere, e.g. to compare
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-profiles}
data=${ALPHAFLOPS_DATA_DIR:-../shared/data}
mkdir -p "$out"
cargo build -q --release -p xtask
xtask=target/release/xtask

# The value of `key` in the [device] table of a profile.
device() {
  awk -F' = ' -v k="$2" '/^\[/{d = ($0 == "[device]")} d && $1 == k {gsub(/^"|"$/, "", $2); print $2}' "$1"
}

# refit NAME DATA FIT-FLAGS...: refits profiles/NAME.toml from DATA.
refit() {
  local name=$1 csv=$2; shift 2
  local old=profiles/$name.toml
  "$xtask" fit --data "$csv" --out "$out/$name.toml" "$@" \
    --device "$(device "$old" name)" --kind "$(device "$old" kind)" \
    --framework "$(device "$old" backend)" --dtype "$(device "$old" dtype)" \
    --environment-from "$old" | head -1
}

# The paper's data: its own form (§2), and the extended form with a floor and a class for
# the dense layers (§3).
if [[ -f $data/asperti2021-quadro-t2000.csv ]]; then
  refit quadro-t2000-fit-paper "$data/asperti2021-quadro-t2000.csv" --model paper
  refit quadro-t2000-fit-extended "$data/asperti2021-quadro-t2000.csv" --model extended --floor --matmul-class
else
  echo "skipped the quadro-t2000-fit-* profiles: $data/asperti2021-quadro-t2000.csv is absent (set ALPHAFLOPS_DATA_DIR)"
fi
# This machine's CPU (§4); a matmul class did not help it (§4, §5).
refit cpu-amd-epyc-2c-candle profiles/cpu-amd-epyc-2c-candle.csv --model extended --memory im2col
# The GPUs (§8): forms chosen by leave-one-experiment-out cross-validation on each grid.
for n in nvidia-h200-cudnn-f32 nvidia-h200-cudnn-f32-graph nvidia-h200-cudnn-tf32-graph \
  nvidia-h100-cudnn-f32 nvidia-h100-cudnn-tf32 nvidia-h100-cudnn-f32-graph nvidia-h100-cudnn-tf32-graph; do
  refit "$n" "profiles/$n.csv" --model extended --loss l1 --classes 1,2,9,25 --matmul-class
done
refit nvidia-h200-cudnn-tf32 profiles/nvidia-h200-cudnn-tf32.csv --model paper --floor --matmul-class
for n in nvidia-h200-cudnn-bf16 nvidia-h200-cudnn-bf16-graph; do
  refit "$n" "profiles/$n.csv" --model extended --loss l1 --matmul-class
done
