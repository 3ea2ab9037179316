"""The peer for `bin/compression bench-encoder`: the same all-MiniLM-L6-v2 ONNX file run by PyTorch (a BERT encoder
written here, its weights read from the ONNX initializers) and by ONNX Runtime, at the same batch sizes and length,
with random token ids, 2 threads. Checks PyTorch's output against ONNX Runtime's first.

Run: V/bin/python bench/text/minilm_peer.py MODEL.onnx OUT.json [--length 32] [--batches 1,32,256] [--seconds 10]
     [--quantised NAME=INT8.onnx ...] (each int8 file: its size, its embeddings' cosine to the float ones, its speed)
(V: a venv with torch, onnx, onnxruntime and numpy from /opt/wheels and /opt/pypi/files)."""
import argparse, json, math, time

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper

p = argparse.ArgumentParser()
p.add_argument("model")
p.add_argument("out")
p.add_argument("--length", type=int, default=32)
p.add_argument("--batches", default="1,32,256")
p.add_argument("--seconds", type=float, default=10)
p.add_argument("--quantised", action="append", default=[],
               help="NAME=FILE: an int8 ONNX file; its speed in ONNX Runtime and its embeddings' cosine to the float ones")
p.add_argument("--sentences", default="core/src/test/resources/minilm/token-ids.json",
               help="real sentences with their token ids, for the cosine of the quantised model")
a = p.parse_args()
torch.set_num_threads(2)

m = onnx.load(a.model)
init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
nodes = {n.name: n for n in m.graph.node}
consts = {n.output[0]: numpy_helper.to_array(n.attribute[0].t) for n in m.graph.node if n.op_type == "Constant"}
W = lambda name: torch.from_numpy(init[nodes[name].input[1]].copy())
P = lambda name: torch.from_numpy(init[name].copy())
eps = float(consts[nodes["/embeddings/LayerNorm/Add"].input[1]])
head = round(float(consts[nodes["/encoder/layer.0/attention/self/Div"].input[1]]) ** 2)


class Bert(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.words, self.pos, self.types = P("embeddings.word_embeddings.weight"), P("embeddings.position_embeddings.weight"), P("embeddings.token_type_embeddings.weight")
        self.ln = (P("embeddings.LayerNorm.weight"), P("embeddings.LayerNorm.bias"))
        self.layers = []
        i = 0
        while f"/encoder/layer.{i}/attention/self/query/MatMul" in nodes:
            n, q = f"/encoder/layer.{i}/", f"encoder.layer.{i}."
            self.layers.append([W(n + "attention/self/query/MatMul"), P(q + "attention.self.query.bias"),
                                W(n + "attention/self/key/MatMul"), P(q + "attention.self.key.bias"),
                                W(n + "attention/self/value/MatMul"), P(q + "attention.self.value.bias"),
                                W(n + "attention/output/dense/MatMul"), P(q + "attention.output.dense.bias"),
                                P(q + "attention.output.LayerNorm.weight"), P(q + "attention.output.LayerNorm.bias"),
                                W(n + "intermediate/dense/MatMul"), P(q + "intermediate.dense.bias"),
                                W(n + "output/dense/MatMul"), P(q + "output.dense.bias"),
                                P(q + "output.LayerNorm.weight"), P(q + "output.LayerNorm.bias")])
            i += 1

    def forward(self, ids, mask):
        b, L = ids.shape
        w = self.words.shape[1]
        h = w // head
        x = self.words[ids] + self.pos[:L] + self.types[0]
        x = torch.nn.functional.layer_norm(x, (w,), *self.ln, eps)
        bias = (1.0 - mask[:, None, None, :].float()) * -1e9
        for wq, bq, wk, bk, wv, bv, wo, bo, g1, n1, w1, c1, w2, c2, g2, n2 in self.layers:
            split = lambda t: t.view(b, L, h, head).transpose(1, 2)
            q, k, v = split(x @ wq + bq), split(x @ wk + bk), split(x @ wv + bv)
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(head) + bias, -1)
            ctx = (att @ v).transpose(1, 2).reshape(b, L, w)
            x = torch.nn.functional.layer_norm(ctx @ wo + bo + x, (w,), g1, n1, eps)
            f = torch.nn.functional.gelu(x @ w1 + c1) @ w2 + c2
            x = torch.nn.functional.layer_norm(f + x, (w,), g2, n2, eps)
        return x


bert = Bert().eval()
so = ort.SessionOptions()
so.intra_op_num_threads = 2
so.inter_op_num_threads = 1
sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
rng = np.random.default_rng(1)
vocab = bert.words.shape[0]


def feeds(b):
    ids = rng.integers(1000, vocab, size=(b, a.length), dtype=np.int64)
    return ids, np.ones_like(ids)


ids, mask = feeds(4)
with torch.inference_mode():
    mine = bert(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
ref = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
diff = float(np.abs(mine - ref).max())
assert diff < 1e-4, f"PyTorch BERT differs from ONNX Runtime by {diff}"


def timeit(fn, b):
    fn()
    fn()
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < a.seconds or runs < 3:
        fn()
        runs += 1
    s = time.perf_counter() - start
    return 1000 * s / runs, b * runs / s


out = {"model": a.model, "length": a.length, "torch": torch.__version__, "onnxruntime": ort.__version__,
       "threads": 2, "torch_vs_onnxruntime_max_abs_diff": diff}
for b in [int(x) for x in a.batches.split(",")]:
    ids, mask = feeds(b)
    ti, tm = torch.from_numpy(ids), torch.from_numpy(mask)
    with torch.inference_mode():
        ms, rate = timeit(lambda: bert(ti, tm), b)
    out[f"torch_b{b}_ms_per_batch"], out[f"torch_b{b}_sequences_per_s"] = ms, rate
    f = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    ms2, rate2 = timeit(lambda: sess.run(None, f), b)
    out[f"onnxruntime_b{b}_ms_per_batch"], out[f"onnxruntime_b{b}_sequences_per_s"] = ms2, rate2
    print(f"batch {b} x {a.length}: torch {ms:.2f} ms ({rate:.1f}/s), onnxruntime {ms2:.2f} ms ({rate2:.1f}/s)")
import os
out["float_bytes"] = os.path.getsize(a.model)
for spec in a.quantised:
    name, path = spec.split("=", 1)
    qs = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    out[f"{name}_model"], out[f"{name}_bytes"] = path, os.path.getsize(path)
    cos = []
    for s in json.load(open(a.sentences, encoding="utf-8"))["sentences"]:
        ids = np.array([s["ids"]], dtype=np.int64)
        f = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        e = [r[0].mean(0) for r in (sess.run(None, f)[0], qs.run(None, f)[0])]
        e = [v / np.linalg.norm(v) for v in e]
        cos.append(float(e[0] @ e[1]))
    out[f"{name}_cosine_mean"], out[f"{name}_cosine_min"] = float(np.mean(cos)), float(np.min(cos))
    out[f"{name}_cosine_sentences"] = len(cos)
    for b in [int(x) for x in a.batches.split(",")]:
        ids, mask = feeds(b)
        f = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        ms, rate = timeit(lambda: qs.run(None, f), b)
        out[f"onnxruntime_{name}_b{b}_ms_per_batch"], out[f"onnxruntime_{name}_b{b}_sequences_per_s"] = ms, rate
        print(f"batch {b} x {a.length}: onnxruntime {name} {ms:.2f} ms ({rate:.1f}/s)")
    print(f"{name} embeddings vs float: mean cosine {out[f'{name}_cosine_mean']:.5f}, lowest {out[f'{name}_cosine_min']:.5f}")
json.dump(out, open(a.out, "w"), indent=1)
