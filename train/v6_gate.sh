#!/usr/bin/env bash
# v6's gate and its evidence (issue 32), once train/v6.sh has finished: v6 (calibrated again in
# weights/v6) against v4, the default it replaced. Each command's output goes to runs/v6_gate/NAME.txt,
# and its figures into the model card.
#   bash train/v6_gate.sh        # about 20 minutes on 2 cores; Kodak24 and the gallery from ../shared/data
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-runs/v6}
W=${W:-weights/v6}
OUT=${OUT:-runs/v6_gate}
PY=${PYTHON:-python3}
DATA=${DATA:-../shared/data}
V4=weights/unet_lite0_v4
[ -f "$RUN/final/generator.json" ] || { echo "$RUN/final is missing: the run has not finished (bash train/v6.sh)" >&2; exit 1; }
mkdir -p "$OUT" "$W"
step() {  # NAME COMMAND...: run it, keep what it printed
  local name=$1
  shift
  echo "== $name: $*"
  "$@" 2>&1 | tee "$OUT/$name.txt"
}
cp "$RUN"/final/generator* "$W"/   # the final EMA generator
step calibrate "$PY" -m train.calibrate --weights "$W" --packs .carry/packs-v6 --size 176 --write --working-size 176
step gate "$PY" -m train.gate --candidate "$W" --default "$V4" --val .carry/packs-v6/val.pack || true   # exit 1: does not ship (still reported)
step hints "$PY" bench/quality.py hints --weights "$V4" "$W" --seeds 3   # N = 0-20 hints against both solvers
step vividness "$PY" bench/quality.py vividness --weights "$V4" "$W" --val .carry/packs-v6/val.pack
step click "$PY" bench/serving.py click --weights "$W"
step click_v4 "$PY" bench/serving.py click --weights "$V4"
step speed "$PY" bench/speed.py inference --weights "$V4" "$W"
step sheet "$PY" bench/contact_sheet.py --weights "$V4" "$W" --labels v4 v6 --photo \
  --data "$DATA"/bench/kodak24 "$DATA"/gallery/historical "$DATA"/gallery/xray "$DATA"/gallery/cctv \
  --names kodim03.png kodim04.png kodim05.png kodim14.png kodim23.png 1850Geography.jpg 1908FamilyPhoto.jpg \
  migrant_mother.jpg cae2c0a9.jpg mall_seq_000001.jpg --count 10 \
  --hint kodim04.png:256,90 --hint kodim23.png:608,275 --out "$OUT/contact_sheet.jpg"
