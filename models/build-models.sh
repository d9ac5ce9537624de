#!/usr/bin/env bash
# Rebuilds everything under models/ from scratch, offline, on CPU:
#   byte tokenizer -> test-tiny (random weights) -> verifier (trained on JDK Java sources)
#   -> drafter (distilled from the verifier) -> ONNX export + parity checks + step-cost probes
#   -> greedy acceptance + long-context loss -> model cards.
# Default budget: ~70 minutes on an otherwise idle 2-core machine: verifier 45 min, then the drafter's 18-min
# distillation from the final verifier (both with 2 PyTorch threads), then ~8 min of export, parity, probes and
# cards. Both models see full 2048-byte windows regularly, so quality holds across the served context.
#
# Usage: models/build-models.sh [--verifier-minutes N] [--drafter-minutes N] [--overlap-minutes N]
#                               [--threads N] [--corpus PATH] [--work DIR]
#                               [--steps "tiny verifier drafter export evaluate cards"]
#   --steps picks a subset, e.g. --steps "tiny" (seconds) or --steps "export evaluate cards" (reuse checkpoints).
#   --overlap-minutes N starts the distillation N minutes before the verifier ends (it re-reads the verifier
#   checkpoint as it changes); --threads sets PyTorch intra-op threads per training process (use 1 with an
#   overlap or on a CPU shared with other builds: OpenMP barriers stall when oversubscribed).
# Any step failing (including an ONNX/DJL parity mismatch above 1e-4) fails the command.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODELS="$ROOT/models"
WORK="$MODELS/trainer/work"
CORPUS="/usr/lib/jvm/temurin-25-jdk-amd64/lib/src.zip"
VERIFIER_MINUTES=45
DRAFTER_MINUTES=18
OVERLAP_MINUTES=0
THREADS=2
STEPS="tiny verifier drafter export evaluate cards"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --verifier-minutes) VERIFIER_MINUTES="$2"; shift 2 ;;
    --drafter-minutes) DRAFTER_MINUTES="$2"; shift 2 ;;
    --overlap-minutes) OVERLAP_MINUTES="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --corpus) CORPUS="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
has_step() { [[ " $STEPS " == *" $1 "* ]]; }

mkdir -p "$WORK"
echo "== building the trainer"
mvn -q -B -f "$MODELS/trainer/pom.xml" package -DskipTests
# Run from the packaged jar (a snapshot), so rebuilding the sources mid-run cannot change a running step.
CP="$MODELS/trainer/target/specula-model-trainer-0.1.0.jar:$(cat "$MODELS/trainer/target/classpath.txt")"
export OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS"
run() {
  java -Xmx8g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$THREADS" -Dai.djl.pytorch.num_interop_threads=1 \
       -cp "$CP" dev.specula.models.trainer.Main "$@"
}

if has_step tiny; then
  echo "== test-tiny (random weights)"
  run tiny --out "$MODELS/test-tiny"
fi
VERIFIER_PID=""
if has_step verifier; then
  echo "== training the verifier for $VERIFIER_MINUTES min (log: $WORK/verifier.log)"
  rm -f "$WORK/verifier.ckpt" "$WORK/metrics.json"
  run train --preset verifier --corpus "$CORPUS" --work "$WORK" --minutes "$VERIFIER_MINUTES" \
      --lr 1e-3 --batch 8 --warmup 200 --long-seq 2048 --long-every 8 --eval-every 200 --log-every 10 \
      > "$WORK/verifier.log" 2>&1 &
  VERIFIER_PID=$!
  if has_step drafter && [[ "$OVERLAP_MINUTES" -gt 0 ]]; then
    LEAD=$(( VERIFIER_MINUTES - OVERLAP_MINUTES )); [[ $LEAD -lt 0 ]] && LEAD=0
    sleep $(( LEAD * 60 ))
    while [[ ! -f "$WORK/verifier.ckpt" ]]; do sleep 10; done
  else
    wait "$VERIFIER_PID"; VERIFIER_PID=""
  fi
fi
if has_step drafter; then
  echo "== distilling the drafter for $DRAFTER_MINUTES min (log: $WORK/drafter.log)"
  run distill --preset drafter --teacher-preset verifier --teacher-reload-minutes 2 --corpus "$CORPUS" --work "$WORK" \
      --minutes "$DRAFTER_MINUTES" --lr 2e-3 --alpha 0.9 --batch 16 --warmup 100 --long-seq 2048 --long-every 4 --eval-every 500 --log-every 25 \
      > "$WORK/drafter.log" 2>&1
fi
if [[ -n "$VERIFIER_PID" ]]; then
  wait "$VERIFIER_PID"
fi
if has_step export; then
  echo "== exporting + parity + step cost"
  run export --preset verifier --corpus "$CORPUS" --work "$WORK" --out "$MODELS/bundled/verifier"
  run export --preset drafter --corpus "$CORPUS" --work "$WORK" --out "$MODELS/bundled/drafter"
  cmp "$MODELS/bundled/verifier/tokenizer.json" "$MODELS/bundled/drafter/tokenizer.json"
fi
if has_step evaluate; then
  echo "== acceptance and long-context loss"
  run evaluate --corpus "$CORPUS" --work "$WORK" --verifier "$MODELS/bundled/verifier" --drafter "$MODELS/bundled/drafter"
fi
if has_step cards; then
  echo "== model cards"
  run cards --work "$WORK" --verifier "$MODELS/bundled/verifier" --drafter "$MODELS/bundled/drafter" --command "models/build-models.sh"
fi
echo "== done"
