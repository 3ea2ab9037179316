#!/bin/bash
# The reference benchmark of shared/BENCHMARKS.md, the project and the PyTorch peer in one sitting, one after the
# other on the same machine. Writes docs/results/bench.json ({"project": {...}, "peer": {...}, "ratio": {...}},
# ratio = project / peer; for *_ms figures lower is better) and docs/results/bench.md.
# The peer is bench/peer/torch_peer.py (the same networks and steps in PyTorch), installed by bench/peer/install.sh.
# Usage: bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${TORCH_VENV:-/tmp/torch-peer}
TORCH_VENV=$venv bench/peer/install.sh
out=$(mktemp -d)
bin/compression bench --tasks cv,nlp --json "$out/steps.json" > "$out/project.txt"
# The real KD epoch in a process of its own, so that its peak memory is that run's alone (heap capped at 1.5 GB).
COMPRESSION_JAVA_OPTS=-Xmx1500m bin/compression bench --tasks kd --json "$out/kd.json" >> "$out/project.txt"
python3 - "$out" <<'PY'
import json, sys
d = sys.argv[1]
steps, kd = json.load(open(d + "/steps.json")), json.load(open(d + "/kd.json"))
steps.update({k: v for k, v in kd.items() if k != "backend"})
json.dump(steps, open(d + "/project.json", "w"), indent=1)
PY
"$venv/bin/python" bench/peer/torch_peer.py --threads 2 --json "$out/peer.json" > "$out/peer.txt"
python3 - "$out/project.json" "$out/peer.json" <<'PY'
import json, sys, datetime
proj, peer = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
ratio = {k: proj[k] / peer[k] for k in peer if k in proj and isinstance(peer[k], (int, float)) and peer[k]}
res = {"measured": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
       "project": proj, "peer": peer, "ratio": ratio}
json.dump(res, open("docs/results/bench.json", "w"), indent=1)
lines = ["# Reference benchmark: project vs PyTorch peer", "",
         "Measured one after the other in one sitting on this machine (2 threads), " + res["measured"] + ".",
         "Written by `bench/compare.sh`. Ratio = project / peer (for `_ms`, lower is better).", "",
         "| figure | project | peer | ratio |", "|---|---|---|---|"]
for k in peer:
    if k in ("torch", "threads"):
        continue
    p = proj.get(k)
    lines.append(f"| {k} | {p:.4g} | {peer[k]:.4g} | {ratio.get(k, float('nan')):.2f} |" if p is not None
                 else f"| {k} | - | {peer[k]:.4g} | - |")
extra = [k for k in proj if k not in peer and isinstance(proj[k], (int, float))]
if extra:
    lines += ["", "Project-only figures:", "", "| figure | value |", "|---|---|"]
    lines += [f"| {k} | {proj[k]:.4g} |" for k in extra]
open("docs/results/bench.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
