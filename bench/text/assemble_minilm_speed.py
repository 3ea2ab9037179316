"""Puts one sitting of `bin/compression bench-encoder` and `bench/text/minilm_peer.py` together with the ratios, for
docs/results/minilm-speed.json, and prints the table of docs/results/transformers.md.

Run: python3 bench/text/assemble_minilm_speed.py SUITE.json PEER.json OUT.json "DATE, NOTE" """
import json, sys

suite, peer, out, note = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
batches = sorted({int(k[1:].split("_")[0]) for k in suite["float"] if k.endswith("_sequences_per_s")})
rate = lambda d, key, b: d[f"{key}b{b}_sequences_per_s"] if key else d[f"b{b}_sequences_per_s"]
ratios = {}
pairs = [("suite_float_to_torch", suite["float"], "", peer, "torch_"),
         ("suite_float_to_onnxruntime", suite["float"], "", peer, "onnxruntime_"),
         ("suite_int8_to_suite_float", suite["int8"], "", suite["float"], ""),
         ("suite_int8_to_onnxruntime_int8_same_file", suite["int8"], "", peer, "onnxruntime_suite_"),
         ("suite_shipped_int8_to_onnxruntime_shipped_int8", suite["shipped-int8"], "", peer, "onnxruntime_shipped_"),
         ("suite_float_to_suite_float_nd4j", suite["float"], "", suite["float-nd4j"], "")]
for name, a, ka, b, kb in pairs:
    ratios[name] = {f"b{n}": rate(a, ka, n) / rate(b, kb, n) for n in batches}
json.dump({"measured": note, "length": suite["length"], "suite": suite, "peer": peer, "ratios": ratios},
          open(out, "w"), indent=1)
rows = [("suite float, ND4J ops only", suite["float-nd4j"], ""), ("suite float (oneDNN)", suite["float"], ""),
        ("suite int8 (its own file)", suite["int8"], ""), ("suite running the shipped `-q`", suite["shipped-int8"], ""),
        ("PyTorch float", peer, "torch_"), ("ONNX Runtime float", peer, "onnxruntime_"),
        ("ONNX Runtime, the suite's int8 file", peer, "onnxruntime_suite_"),
        ("ONNX Runtime, the shipped `-q`", peer, "onnxruntime_shipped_")]
print("| runtime | " + " | ".join(f"batch {n}" for n in batches) + " |")
print("|---|" + "---|" * len(batches))
for label, d, k in rows:
    cells = []
    for n in batches:
        ms = d[f"{k}b{n}_ms_per_batch"] if k else d[f"b{n}_ms_per_batch"]
        cells.append(f"{rate(d, k, n):.1f}/s ({ms:.2f} ms)" if n == 1 else f"{rate(d, k, n):.1f}/s")
    print(f"| {label} | " + " | ".join(cells) + " |")
for name, r in ratios.items():
    print(name, " ".join(f"{k} {v:.2f}x" for k, v in r.items()))
