#!/usr/bin/env bash
# Fills docs/results/nas.json (+ nas.md, nas-<task>.png): each strategy of the architecture search under the same
# budget, on CV then NLP, the fronts distilled in full. Resumable: run it again after a stop and it goes on from the
# candidates and full distillations on disk (runs/bench-search); commit docs/results/nas.* as strategies finish.
# Runs from a frozen copy of the suite (bench/frozen-suite.sh).
# `touch /tmp/queue-search.stop` makes it stop after the task in progress.
set -u
cd "$(dirname "$0")/.."
. bench/frozen-suite.sh queue-search
STRATEGIES=${STRATEGIES:-evolution,arbiter-random,arbiter-genetic,arbiter-grid}
mkdir -p runs/queue-logs
for task in ${TASKS:-cv nlp}; do
  [ -f /tmp/queue-search.stop ] && exit 0
  echo "=== $(date +%H:%M:%S) search $task"
  $J bench-search --teacher "models/reference/$task-teacher.zip" --strategies "$STRATEGIES" --budget-minutes 10 \
     --proxy-epochs 1 --proxy-limit 10000 --full-max 3 --full-max-minutes 30 \
     --results docs/results/nas.json --output runs/bench-search > "runs/queue-logs/search-$task.log" 2>&1
  echo "exit $? (log runs/queue-logs/search-$task.log)"
done
echo "=== $(date +%H:%M:%S) search queue done"
