#!/usr/bin/env bash
# One prepared run on a lent NVIDIA machine (no Rust there): measures the GPU with the release
# xtask binary carried in carry/, plus PyTorch cross-checks, and packs the results into
# $OUT/results.tar.gz. Every step has its own timeout so the script ends (and packs) in time.
#
# Here:   cargo build --release -p xtask && mkdir -p carry && cp target/release/xtask carry/ &&
#         cargo run -q -p xtask -- configs --grid gpu --random 100 --seed 6 --out carry/gpu-random.csv
# There:  bash scripts/device-gpu-profile.sh        (device tool: carry = ["carry"])
#         TIMING=graph bash scripts/device-gpu-profile.sh   (kernel time: CUDA-graph replays;
#         profiles and files get a -graph suffix; no f32 PyTorch cross-check)
#         TORCH=0 skips the PyTorch steps (e.g. a second GPU model, cudarc backend only).
set -u
TIMING=${TIMING:-launch}
TORCH=${TORCH:-1}
SUF=; GRAPH=
[ "$TIMING" = graph ] && SUF=-graph && GRAPH=--graph
OUT=${OUT:-/tmp/out}
R=/tmp/res
mkdir -p "$R" "$OUT"
X=./carry/xtask
pack() { [ -n "${SMI:-}" ] && kill "$SMI" 2>/dev/null; cp "$R/log.txt" "$OUT/log.txt" 2>/dev/null; tar czf "$OUT/results.tar.gz" -C "$R" . ; }
trap pack EXIT
exec > >(tee -a "$R/log.txt") 2>&1
step() { echo; echo "=== $(date +%T) $*"; }

step environment
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv
GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
case "$GPU" in *H200*) MODEL=h200 ;; *H100*) MODEL=h100 ;; *) MODEL=$(echo "$GPU" | tr 'A-Z ' 'a-z-' | tr -cd 'a-z0-9-') ;; esac
echo "model: $MODEL"
DIRS=$(find /opt /usr/local /usr/lib -xdev \( -name 'libcudnn.so.9' -o -name 'libcublas.so.13' -o -name 'libcublasLt.so.13' \) 2>/dev/null | xargs -r -n1 dirname | sort -u | tr '\n' ':')
export LD_LIBRARY_PATH="${DIRS}${LD_LIBRARY_PATH:-}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())'
nvidia-smi --query-gpu=timestamp,power.draw,clocks.sm,clocks.mem,temperature.gpu,utilization.gpu --format=csv -lms 250 >> "$R/nvidia-smi.csv" &
SMI=$!

for P in f32 tf32; do
  NAME=nvidia-$MODEL-cudnn-$P$SUF
  step "bench --backend cuda --precision $P --timing $TIMING"
  timeout 100 "$X" bench --backend cuda --precision $P --timing $TIMING --out "$R/$NAME.toml"
  echo "rc=$?"
  step "measure random set ($P)"
  timeout 50 "$X" measure --backend cuda --precision $P --timing $TIMING --configs carry/gpu-random.csv --out "$R/$NAME-random.csv"
  echo "rc=$?"
done

[ "$TORCH" = 1 ] || exit 0
step "PyTorch bf16 and f32 on the same grid and random set (cmd: backend)"
"$X" configs --grid gpu --out "$R/gpu-grid.csv"
DTYPES="bf16 f32"; [ "$TIMING" = graph ] && DTYPES=bf16
for P in $DTYPES; do
  timeout 45 "$X" measure --backend "cmd:python3 scripts/torch-conv-times.py --dtype $P $GRAPH" --configs "$R/gpu-grid.csv" --out "$R/torch-$P-grid$SUF.csv"
  echo "rc=$?"
  timeout 40 "$X" measure --backend "cmd:python3 scripts/torch-conv-times.py --dtype $P $GRAPH" --configs carry/gpu-random.csv --out "$R/torch-$P-random$SUF.csv"
  echo "rc=$?"
done

step "torchvision models, batch 1"
timeout 60 python3 scripts/torch-model-times.py $GRAPH > "$R/torch-models$SUF.json"
echo "rc=$?"
step done
