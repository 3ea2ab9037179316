#!/usr/bin/env python3
"""Draws docs/modules.svg from the poms: one box per module (with its lines of main Java code), one arrow per
dependency between modules, pointing from the module that uses to the module used (test-scope ones dashed).
Modules in one column by layer (longest path), the top layer first, so every arrow points down. Usage: python3 docs/module-graph.py"""
import os, sys, xml.etree.ElementTree as ET

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS = {"m": "http://maven.apache.org/POM/4.0.0"}
parent = ET.parse(os.path.join(root, "pom.xml")).getroot()
modules = [m.text for m in parent.findall("m:modules/m:module", NS)]
artifact, deps = {}, {}
for m in modules:
    pom = ET.parse(os.path.join(root, m, "pom.xml")).getroot()
    artifact[pom.find("m:artifactId", NS).text] = m
for m in modules:
    pom = ET.parse(os.path.join(root, m, "pom.xml")).getroot()
    deps[m] = []
    for d in pom.findall("m:dependencies/m:dependency", NS):
        a, t = d.find("m:artifactId", NS).text, d.find("m:type", NS)
        s = d.find("m:scope", NS)
        if a in artifact and artifact[a] != m and not (t is not None and t.text == "test-jar"):
            deps[m].append((artifact[a], s is not None and s.text == "test"))

def lines(m):
    n = 0
    for dp, _, fs in os.walk(os.path.join(root, m, "src", "main", "java")):
        for f in fs:
            if f.endswith(".java"):
                with open(os.path.join(dp, f), encoding="utf-8") as fh:
                    n += sum(1 for _ in fh)
    return n

level = {}
def depth(m, seen=()):
    if m in seen:
        sys.exit("module cycle through " + " -> ".join(seen + (m,)))
    if m not in level:
        level[m] = 1 + max([depth(d, seen + (m,)) for d, test in deps[m] if not test] or [-1])
    return level[m]
for m in modules:
    depth(m)
# One column, top layer first; each dependency an arc on the right, so that no arrow crosses a box.
order = sorted(modules, key=lambda m: (-level[m], modules.index(m)))
W, H, GY, X = 170, 44, 22, 20
pos = {m: (X, 20 + i * (H + GY)) for i, m in enumerate(order)}
edges = [(m, d, t) for m in modules for d, t in deps[m]]
edges.sort(key=lambda e: abs(order.index(e[0]) - order.index(e[1])))
width = X + W + 40 + 26 * len(order) + 40
height = 20 + len(order) * (H + GY) + 30
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" font-family="sans-serif">',
       '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
       '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>', '<rect width="100%" height="100%" fill="white"/>']
slots = {}
for m, d, test in edges:
    (x1, y1), (x2, y2) = pos[m], pos[d]
    span = abs(order.index(m) - order.index(d))
    # the arc leaves the user's right edge a little below its middle and enters the used module a little above
    k = slots[m] = slots.get(m, 0) + 1
    j = slots[d + "<"] = slots.get(d + "<", 0) + 1
    ya, yb = y1 + H / 2 + 3 * k, y2 + H / 2 - 3 * j
    reach = X + W + 26 * span
    dash = ' stroke-dasharray="5,4"' if test else ""
    out.append(f'<path d="M{X + W},{ya:.0f} C{reach:.0f},{ya:.0f} {reach:.0f},{yb:.0f} {X + W},{yb:.0f}" fill="none"'
               f' stroke="#555" stroke-width="1.3"{dash} marker-end="url(#a)"/>')
for m in modules:
    x, y = pos[m]
    out.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="{W}" height="{H}" rx="6" fill="#eef3fb" stroke="#3b6ab0"/>')
    out.append(f'<text x="{x + W / 2:.0f}" y="{y + 19:.0f}" text-anchor="middle" font-size="15" font-weight="bold">{m}</text>')
    out.append(f'<text x="{x + W / 2:.0f}" y="{y + 36:.0f}" text-anchor="middle" font-size="11" fill="#444">'
               f'{lines(m):,} lines of main code</text>')
out.append(f'<text x="8" y="{height - 8:.0f}" font-size="11" fill="#444">arrow: uses (dashed: in tests only); '
           'drawn from the poms by docs/module-graph.py</text></svg>')
with open(os.path.join(root, "docs", "modules.svg"), "w", encoding="utf-8") as fh:
    fh.write("\n".join(out) + "\n")
for m in modules:
    print(f"{m:12s} level {level[m]}  {lines(m):6d} lines  uses {', '.join(d + (' (tests)' if t else '') for d, t in deps[m]) or '-'}")
