"""Makes the ONNX fixture of the importer's test: a small PyTorch CNN exported by torch.onnx.export, with the
outputs PyTorch computes on stored inputs (and onnxruntime's, as a check of the export).

    python make_fixtures.py OUT_DIR        (torch 2.13 CPU, onnx and onnxruntime; see shared/NOTES-DL4J.md)
    python make_fixtures.py OUT_DIR --fashion FASHION_MNIST_DIR
                                           (only a CNN trained on Fashion-MNIST for 2 epochs: fashion-cnn.onnx)
Writes cnn.onnx and cnn.expected.json: {"torch", "input_shape" (C, H, W), "inputs", "outputs" (softmax
probabilities), "features" (the named intermediate output "features", after the second convolution's ReLU)}.
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 2)
        features = torch.relu(self.conv2(x))
        x = torch.flatten(features, 1)
        return torch.softmax(self.fc(x), dim=1), features


class FashionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 32, 3)
        self.fc1 = nn.Linear(32 * 5 * 5, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        features = torch.relu(self.conv2(x))
        x = torch.max_pool2d(features, 2)
        return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1)))), features  # logits


def idx(path):
    with open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion(src, out):
    xtr = torch.tensor(idx(os.path.join(src, "train-images-idx3-ubyte")), dtype=torch.float32)[:, None] / 255
    ytr = torch.tensor(idx(os.path.join(src, "train-labels-idx1-ubyte")), dtype=torch.long)
    xte = torch.tensor(idx(os.path.join(src, "t10k-images-idx3-ubyte")), dtype=torch.float32)[:, None] / 255
    yte = torch.tensor(idx(os.path.join(src, "t10k-labels-idx1-ubyte")), dtype=torch.long)
    torch.manual_seed(1)
    m = FashionCnn()
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    for epoch in range(2):
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            b = perm[i:i + 128]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(m(xtr[b])[0], ytr[b])
            loss.backward()
            opt.step()
    m.eval()
    with torch.no_grad():
        acc = float((m(xte)[0].argmax(1) == yte).float().mean())
        x = xte[:4]
        logits, features = m(x)
    path = os.path.join(out, "fashion-cnn.onnx")
    torch.onnx.export(m, (x,), path, input_names=["input"], output_names=["logits", "features"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}},
                      dynamo=False)
    with open(os.path.join(out, "fashion-cnn.expected.json"), "w") as fh:
        json.dump({"torch": torch.__version__, "test_accuracy": acc, "input_shape": [1, 28, 28],
                   "inputs": x.numpy().ravel().tolist(), "outputs": torch.softmax(logits, 1).numpy().ravel().tolist()},
                  fh)
    print("fashion-cnn.onnx test accuracy in PyTorch:", acc)


if __name__ == "__main__":
    out = sys.argv[1]
    if "--fashion" in sys.argv:
        fashion(sys.argv[sys.argv.index("--fashion") + 1], out)
        sys.exit(0)
    torch.manual_seed(3)
    m = Cnn()
    with torch.no_grad():
        m.bn1.running_mean.uniform_(-0.2, 0.2)
        m.bn1.running_var.uniform_(0.5, 1.5)
    m.eval()
    x = torch.rand(3, 1, 12, 12)
    path = os.path.join(out, "cnn.onnx")
    torch.onnx.export(m, (x,), path, input_names=["input"], output_names=["probabilities", "features"],
                      dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}, "features": {0: "batch"}},
                      dynamo=False)
    with torch.no_grad():
        p, f = m(x)
    import onnxruntime as ort
    rp, rf = ort.InferenceSession(path).run(None, {"input": x.numpy()})
    assert np.allclose(rp, p.numpy(), atol=1e-6), "onnxruntime disagrees with PyTorch"
    with open(os.path.join(out, "cnn.expected.json"), "w") as fh:
        json.dump({"torch": torch.__version__, "input_shape": [1, 12, 12], "inputs": x.numpy().ravel().tolist(),
                   "outputs": p.numpy().ravel().tolist(), "features": f.numpy().ravel().tolist(),
                   "features_shape": list(f.shape[1:])}, fh)
    print("cnn.onnx written;", sum(t.numel() for t in m.parameters()), "params")
