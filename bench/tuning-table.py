#!/usr/bin/env python3
"""Markdown table of distillation tuning runs: every <dir>/*/student.json (validation accuracy, loss, scheme) with the
test accuracy from evaluation.json beside it. Usage: bench/tuning-table.py runs/tune-cv > docs/results/kd-tuning-cv.md"""
import json, pathlib, sys

root = pathlib.Path(sys.argv[1])
rows = []
for s in sorted(root.glob("**/student.json")):
    d = json.loads(s.read_text())
    t = d["training"]
    dist = t.get("distillation", {})
    ev = s.parent / "evaluation.json"
    test = json.loads(ev.read_text())["metrics"]["accuracy"] if ev.exists() else None
    aug = " (" + dist["augmentation"] + ")" if "augmentation" in dist else ""
    rows.append((t["bestValidationAccuracy"], s.parent.name, dist.get("scheme", "?") + aug, dist.get("loss", "?"),
                 t["epochsRun"], test))
print(f"# Distillation tuning: {root}\n")
print("Chosen by validation accuracy (the test accuracy is shown, not used). Rows best first.\n")
print("| run | scheme | loss | epochs | validation accuracy | test accuracy |")
print("|---|---|---|---|---|---|")
for v, name, scheme, loss, ep, test in sorted(rows, reverse=True):
    print(f"| {name} | {scheme} | {loss} | {ep} | {100*v:.2f} % | {'' if test is None else f'{100*test:.2f} %'} |")
