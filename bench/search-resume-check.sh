#!/usr/bin/env bash
# Shows on the real data that a sweep killed mid-way and started again ends with the same candidates and front as one
# run straight through with the same seed: sweep A runs uninterrupted; sweep B is killed (SIGKILL) once it has written
# KILL_AFTER candidates, then started again with the same command until it finishes. Latency is measured per
# architecture and cached in the run folder (profiles.json), so B starts from A's cache: both compare the same
# latencies and the check is about the sweep's state, not about timer noise. Writes docs/results/nas-resume-check.md.
# Usage: bench/search-resume-check.sh [TASK] [STRATEGY] [CANDIDATES] [KILL_AFTER]
set -euo pipefail
cd "$(dirname "$0")/.."
task=${1:-cv}; strategy=${2:-evolution}; n=${3:-16}; kill_after=${4:-7}
root=runs/search-resume-check/$task-$strategy
rm -rf "$root"; mkdir -p "$root"
args=(search --teacher "models/reference/$task-teacher.zip" --strategy "$strategy" --max-candidates "$n"
      --population 6 --sample 2 --proxy-epochs 1 --proxy-limit 2000 --full-epochs 0 --seed 7)
echo "sweep A: $n candidates uninterrupted"
bin/compression "${args[@]}" --output "$root/a" > "$root/a.log" 2>&1
mkdir -p "$root/b" && cp "$root/a/profiles.json" "$root/b/profiles.json"
echo "sweep B: killed after $kill_after candidates, then resumed"
setsid bin/compression "${args[@]}" --output "$root/b" > "$root/b-1.log" 2>&1 &
pid=$!
while [ "$(cat "$root/b/candidates.jsonl" 2>/dev/null | wc -l)" -lt "$kill_after" ]; do
  kill -0 "$pid" 2>/dev/null || { echo "sweep B ended before it could be killed" >&2; exit 1; }
  sleep 1
done
kill -9 -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
killed_at=$(wc -l < "$root/b/candidates.jsonl")
bin/compression "${args[@]}" --output "$root/b" > "$root/b-2.log" 2>&1
python3 - "$root" "$task" "$strategy" "$n" "$killed_at" <<'PY'
import json, sys
root, task, strategy, n, killed = sys.argv[1:]
def load(d):
    cands = [json.loads(l) for l in open(f"{root}/{d}/candidates.jsonl") if l.strip()]
    front = json.load(open(f"{root}/{d}/search.json"))["front"]
    return [(c["index"], c["spec"], c.get("acc")) for c in cands], [(f["arch"], f["acc"]) for f in front]
ca, fa = load("a"); cb, fb = load("b")
same = ca == cb and fa == fb
lines = ["# A killed sweep resumes to the same front", "",
         f"`bench/search-resume-check.sh {task} {strategy} {n}`: sweep A ran {n} candidates straight through; sweep B "
         f"was killed with SIGKILL after {killed} candidates were on disk and started again with the same command.", "",
         f"Candidates identical (index, architecture, proxy accuracy): **{ca == cb}** ({len(ca)} vs {len(cb)}).",
         f"Fronts identical: **{fa == fb}**.", "", "| front member | proxy accuracy (A) | proxy accuracy (B) |",
         "|---|---|---|"]
for (a, pa), (b, pb) in zip(fa, fb):
    lines.append(f"| `{a}`{'' if a == b else ' vs `' + b + '`'} | {pa:.4f} | {pb:.4f} |")
open("docs/results/nas-resume-check.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(0 if same else 1)
PY
