#!/bin/bash
# The CV sweep behind the KD defaults: each config distils cv-student from the reference teacher for 8 epochs on
# the full training split; the validation accuracy (student.json) chooses. Usage: bench/kd-tune-cv.sh SCHEME:LOSS:T:ALPHA ...
# e.g. bench/kd-tune-cv.sh offline:ce:1:0 offline:kd:4:0.9 offline:kd:1:0.5 expand:kd:4:0.9
# (this session ran: ce:1:0, kd:4:0.9 [as offline], expand:kd:4:0.9, offline:kd:2:0.5, offline:kd:1:0.5,
# expand:kd:2:0.5); bench/tuning-table.py runs/tune-cv writes the table.
cd "$(dirname "$0")/.."
for cfg in "$@"; do
  IFS=: read s m t a <<< "$cfg"
  out=runs/tune-cv/$s-$m-T$t-a$a
  [ -f $out/evaluation.json ] && continue
  bin/compression distill --teacher models/reference/cv-teacher.zip --scheme $s --method $m --temperature $t \
      --alpha $a --epochs 8 --patience 8 --no-speed --output $out > $out.log 2>&1
done
