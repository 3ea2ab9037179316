#!/usr/bin/env python3
"""Markdown table of distillation tuning runs: every <dir>/*/student.json (validation accuracy, loss, scheme) with the
test accuracy from evaluation.json beside it. Usage: bench/tuning-table.py runs/tune-cv > docs/results/kd-tuning-cv.md
With --seeds, runs named NAME-s<seed> are grouped by NAME: the validation accuracy of each seed and their mean (which
orders the rows), the test accuracy's mean and standard deviation, the best epochs:
bench/tuning-table.py --seeds runs/sched; --match REGEX keeps the runs whose name matches"""
import json, pathlib, re, statistics, sys

argv = sys.argv[1:]
match = None
if "--match" in argv:
    i = argv.index("--match")
    match = argv[i + 1]
    del argv[i:i + 2]
args = [a for a in argv if not a.startswith("--")]
grouped = "--seeds" in argv
root = pathlib.Path(args[0])
rows = []
for s in sorted(root.glob("**/student.json")):
    if match and not re.search(match, s.parent.name):
        continue
    d = json.loads(s.read_text())
    t = d["training"]
    dist = t.get("distillation", {})
    ev = s.parent / "evaluation.json"
    test = json.loads(ev.read_text())["metrics"]["accuracy"] if ev.exists() else None
    aug = " (" + dist["augmentation"] + ")" if "augmentation" in dist else ""
    rows.append((t["bestValidationAccuracy"], s.parent.name, dist.get("scheme", "?") + aug, dist.get("loss", "?"),
                 t["epochsRun"], test, t.get("bestEpoch")))
if not grouped:
    print(f"# Distillation tuning: {root}\n")
    print("Chosen by validation accuracy (the test accuracy is shown, not used). Rows best first.\n")
    print("| run | scheme | loss | epochs | validation accuracy | test accuracy |")
    print("|---|---|---|---|---|---|")
    for v, name, scheme, loss, ep, test, _ in sorted(rows, reverse=True):
        print(f"| {name} | {scheme} | {loss} | {ep} | {100*v:.2f} % | {'' if test is None else f'{100*test:.2f} %'} |")
    sys.exit(0)
groups = {}
for v, name, scheme, loss, ep, test, best in rows:
    m = re.fullmatch(r"(.*)-s(\d+)", name)
    if m and test is not None:
        groups.setdefault(m.group(1), []).append((int(m.group(2)), v, test, best, scheme, loss))
print("| run | scheme | loss | validation accuracy (by seed) | mean | test accuracy mean ± std | best epochs |")
print("|---|---|---|---|---|---|---|")
for name, g in sorted(groups.items(), key=lambda kv: -statistics.mean(x[1] for x in kv[1])):
    g.sort()
    tests = [x[2] for x in g]
    std = statistics.stdev(tests) if len(tests) > 1 else 0.0
    print(f"| {name} | {g[0][4]} | {g[0][5]} | {', '.join(f'{100*x[1]:.2f}' for x in g)} % "
          f"(seeds {', '.join(str(x[0]) for x in g)}) | {100*statistics.mean(x[1] for x in g):.2f} % | "
          f"{100*statistics.mean(tests):.2f} ± {100*std:.2f} % | {', '.join(str(x[3]) for x in g)} |")
