#!/usr/bin/env bash
# Fills the distillation table (docs/results/distillation.json/.md), one cell (method x seed) per invocation of
# bench-distill, skipping finished cells; run it in the background across sessions and commit the cells as they
# come. Runs from a frozen copy of the suite (bench/frozen-suite.sh).
# `touch /tmp/queue-distill.stop` makes it stop after the cell in progress.
set -u
cd "$(dirname "$0")/.."
. bench/frozen-suite.sh queue-distill
rm -f /tmp/queue-distill/todo-*
SMALL_CNN="nlpnet:e=12,enc=cnn,h=64,l=1,k=3,pool=meanmax" # the student of the middle-truncated IMDB and wordnet tables
teacher_of() { # a table's teacher
  case "$1" in
    cv) echo models/reference/cv-teacher.zip ;;
    nlp-cnn-to-bag) echo models/reference/nlp-teacher.zip ;;
    nlp-middle-cnn) echo models/reference/nlp-teacher-middle.zip ;;
    wordnet) echo models/reference/wordnet-teacher.zip ;;
  esac
}
student_of() { # a table's student, where it is not its task's default
  case "$1" in
    nlp-middle-cnn|wordnet) echo "--student $SMALL_CNN" ;;
  esac
}
cell() { # table method seed: run unless it has a record of the method's current recipe (bench-distill --todo)
  # shellcheck disable=SC2046 # student_of gives an option and its value, or nothing
  [ -f "/tmp/queue-distill/todo-$1" ] || $J bench-distill --teacher "$(teacher_of "$1")" --table "$1" $(student_of "$1") \
      --todo --results docs/results/distillation.json > "/tmp/queue-distill/todo-$1" || exit 1
  grep -qx "$2 $3" "/tmp/queue-distill/todo-$1" || return 0
  [ -f /tmp/queue-distill.stop ] && exit 0
  echo "=== $(date +%H:%M:%S) $1 $2 seed $3"
  mkdir -p runs/queue-logs
  # shellcheck disable=SC2046
  $J bench-distill --teacher "$(teacher_of "$1")" --table "$1" $(student_of "$1") --methods "$2" --seeds "$3" \
     --results docs/results/distillation.json --output runs/bench-distill > "runs/queue-logs/$1-$2-$3.log" 2>&1
  echo "exit $? (log runs/queue-logs/$1-$2-$3.log)"; grep -v '^\s*$' "runs/queue-logs/$1-$2-$3.log" | tail -2
}
teacher2() { # the second CV teacher of the multi-teacher method
  [ -f models/reference/cv-teacher-2.zip ] && return 0
  echo "=== $(date +%H:%M:%S) second cv teacher"
  $J train-teacher --task cv --arch cv-teacher,width=0.5 --epochs 10 --output runs/teacher-cv-2 2>&1 | tail -3
  cp runs/teacher-cv-2/teacher.zip models/reference/cv-teacher-2.zip
  cp runs/teacher-cv-2/teacher.json models/reference/cv-teacher-2.json
}
teacher2nlp() { # the second NLP teacher of the multi-teacher methods: a bag-of-words model (nlp-student's architecture)
  # on the same split (seed 42); it errs where the CNN does not (the CNN and a bag-of-words student average to
  # 90.64 % on the test split, each alone about 89.3 %)
  [ -f models/reference/nlp-teacher-2.zip ] && return 0
  echo "=== $(date +%H:%M:%S) second nlp teacher"
  $J train-teacher --task nlp --arch nlp-student --epochs 15 --patience 3 --output runs/teacher-nlp-2 2>&1 | tail -3
  cp runs/teacher-nlp-2/teacher.zip models/reference/nlp-teacher-2.zip
  cp runs/teacher-nlp-2/teacher.json models/reference/nlp-teacher-2.json
}
# Session 9 gave CV students a longer schedule (DistillRecipes.schedule): every CV cell runs again. The targets'
# cells first (scratch, KD, the best methods; session 12 added dkd and kd-std), then one seed of each remaining method (the native trainers' first:
# minutes a cell; then those that train through DL4J, feature and relation losses: 15-40 min a cell), then the rest.
teacher2; teacher2nlp # the second teachers of the multi-teacher methods (committed under models/reference)
for m in scratch kd expansion multi-teacher multi-teacher-expansion kd-js kd-reverse kd-mse dkd kd-std; do
  for s in 1 2 3; do cell cv "$m" "$s"; done
done
CV_REST="born-again labelling dml rkd fitnets at sp"
for m in $CV_REST; do cell cv "$m" 1; done
for s in 2 3; do for m in $CV_REST; do cell cv "$m" "$s"; done; done
NLP="scratch kd kd-reverse labelling expansion"
for s in 1 2 3; do for m in $NLP; do cell nlp-cnn-to-bag "$m" "$s"; done; done
for s in 1 2 3; do for m in multi-teacher multi-teacher-expansion; do cell nlp-cnn-to-bag "$m" "$s"; done; done
# The text tables of session 15-16: the middle-truncated IMDB teacher and the wordnet teacher, each into the small CNN.
for s in 1 2 3; do for m in scratch kd dkd kd-js tinybert token-rel; do cell wordnet "$m" "$s"; done; done
for s in 1 2 3; do for m in kd-reverse kd-mse kd-std labelling expansion; do cell wordnet "$m" "$s"; done; done
for s in 1 2 3; do for m in scratch kd kd-js kd-reverse kd-mse labelling expansion; do cell nlp-middle-cnn "$m" "$s"; done; done
echo "=== $(date +%H:%M:%S) queue done"
