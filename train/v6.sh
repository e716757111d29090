#!/usr/bin/env bash
# v6's long run (issue 32): the Lite2 U-Net with hint inputs, from ImageNet, v5's winning recipe
# (cross-entropy alone, stem and first 4 blocks fixed, 176-px crops) on the 37,048-photo pack.
# Start or continue it (it resumes from runs/v6/checkpoint.pt when there is one), in the background:
#   nohup nice -n 10 bash train/v6.sh > runs/v6.out 2>&1 &
# The pack (.carry/packs-v6): its command, with the group weights, is in docs/training.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-runs/v6}
resume=()
[ -f "$OUT/checkpoint.pt" ] && resume=(--resume)
exec "${PYTHON:-python3}" -m train.fit --data .carry/packs-v6 --out "$OUT" --arch unet_lite2_hints --encoder-init imagenet \
  --encoder-lr 0.1 --encoder-frozen 4 --l1-weight 0 --lr-g 5e-4 --warmup-steps 50 --crop 176 --side 176 \
  --steps 31250 --val-every 500 --val-images 256 --ckpt-every 100 --seed 0 "${resume[@]}" "$@"
