#!/usr/bin/env bash
# Runs of `distill` on the CV teacher for the schedule and KD tables of docs/results/kd-tuning-cv.md, seeds 1-3 each,
# into runs/sched/NAME-sS (skipped when finished). Usage: bench/sched-sweep.sh NAME "DISTILL OPTIONS" [NAME "..."]...
# e.g. bench/sched-sweep.sh kd-T1-a0.9-d095-e60-p10 "--method kd --temperature 1 --alpha 0.9"
# (the task's schedule is distill's default; the table: bench/tuning-table.py --seeds --match '^(?!nlp-)' runs/sched)
# SEEDS="4 5" bench/sched-sweep.sh ... runs other seeds.
set -u
cd "$(dirname "$0")/.."
. bench/frozen-suite.sh sched-sweep
mkdir -p runs/sched
while [ $# -ge 2 ]; do
  for s in ${SEEDS:-1 2 3}; do
    out=runs/sched/$1-s$s
    [ -f "$out/evaluation.json" ] && continue
    echo "=== $(date +%H:%M:%S) $1 seed $s"
    # shellcheck disable=SC2086
    $J distill --teacher models/reference/cv-teacher.zip $2 --seed $s --no-speed --output "$out" > "$out.log" 2>&1
    echo "exit $?"; grep -E '^accuracy:' "$out.log" | tail -1
  done
  shift 2
done
