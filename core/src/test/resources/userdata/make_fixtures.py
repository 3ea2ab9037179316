"""Makes the fixtures of the "user brings their own model, trained on their own image folders" tests: a small RGB
image data set stored as a folder per class, and a CNN trained on it in Keras 3 and in PyTorch (exported to ONNX).

Run from anywhere (paths are relative to the repository root, found from this file's place):
    python make_fixtures.py            (Pillow and numpy)  the images: userdata/shapes/{train,test}/<class>/*.png
    python make_fixtures.py --keras    (TensorFlow 2.21 / Keras 3.15, h5py, Pillow; see shared/NOTES-DL4J.md)
                                       models/keras/shapes-cnn.keras and shapes-cnn.expected.json
    python make_fixtures.py --onnx     (torch 2.13 CPU, onnx, onnxruntime, Pillow; see shared/NOTES-DL4J.md)
                                       models/onnx/shapes-cnn.onnx and shapes-cnn.expected.json
The images: 3 classes (circle, square, triangle), 32x32 RGB PNG, a bright filled shape of random colour, size,
position (and, for squares and triangles, rotation) on a dark random gradient with a little noise; 50 a class for
training, 15 a class for testing, from a fixed seed. The classes are the sorted folder names, as the Java suite
takes them for a model without a sidecar. Images are read as the suite's ImageFolder reads them: RGB, the files
of a class folder in sorted order, pixel / 255 as float32, channel-major (C, H, W); the Keras model, channels last
like every Keras convolution, gets the same pixels transposed to (H, W, C), and the suite's importer makes its
graph channels-first, so both models take the suite's (3, 32, 32) inputs. Each expected.json holds
{"test_accuracy" (argmax of the model's outputs on the test folders, as the suite counts it), "classes",
"input_shape": [3, 32, 32] (the suite's layout), "keras" or "torch", "made_by", "reference": the model's
probabilities for the first two test images of each class, named by path under shapes/}.
"""
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", "..", ".."))
SHAPES = os.path.join(HERE, "shapes")
CLASSES = ["circle", "square", "triangle"]
SIZE = 32
EPOCHS = 30
SCRIPT = "core/src/test/resources/userdata/make_fixtures.py"


def shape_image(rng, kind):
    """One 32x32 RGB picture, drawn at 4x and downsampled (soft edges, like a photo's)."""
    s = 4 * SIZE
    c0 = rng.integers(0, 60, 3)
    c1 = rng.integers(0, 60, 3)
    angle = rng.uniform(0, 2 * math.pi)
    yy, xx = np.mgrid[0:s, 0:s] / (s - 1)
    t = (np.cos(angle) * xx + np.sin(angle) * yy)[..., None]
    t = (t - t.min()) / (t.max() - t.min())
    bg = (c0 * (1 - t) + c1 * t).astype(np.uint8)
    img = Image.fromarray(bg, "RGB")
    d = ImageDraw.Draw(img)
    colour = rng.integers(110, 200, 3)
    colour[rng.integers(0, 3)] = 255  # one channel saturated: a bright, coloured shape
    colour = tuple(int(v) for v in colour)
    r = rng.uniform(0.25, 0.38) * s  # the shape's "radius"
    cx = rng.uniform(r + 2, s - r - 2)
    cy = rng.uniform(r + 2, s - r - 2)
    if kind == "circle":
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    else:
        n = 4 if kind == "square" else 3
        rot = rng.uniform(0, 2 * math.pi / n)
        rad = r * (1.15 if kind == "triangle" else 1.0)
        pts = [(cx + rad * math.cos(rot + 2 * math.pi * k / n), cy + rad * math.sin(rot + 2 * math.pi * k / n))
               for k in range(n)]
        d.polygon(pts, fill=colour)
    img = img.resize((SIZE, SIZE), Image.BOX)
    a = np.asarray(img).astype(np.int16) + rng.integers(-4, 5, (SIZE, SIZE, 3))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")


def write_data():
    rng = np.random.default_rng(2024)
    total = 0
    for split, n in (("train", 50), ("test", 15)):
        for kind in CLASSES:
            folder = os.path.join(SHAPES, split, kind)
            os.makedirs(folder, exist_ok=True)
            for f in os.listdir(folder):
                if f.endswith(".png"):
                    os.remove(os.path.join(folder, f))
            for i in range(n):
                path = os.path.join(folder, "%s-%03d.png" % (kind, i))
                shape_image(rng, kind).save(path, optimize=True)
                total += os.path.getsize(path)
    print("images written under", SHAPES, "(%d bytes)" % total)


def read(split):
    """(N, 3, 32, 32) float32 in [0, 1], labels, file names relative to shapes/: as ImageFolder reads them."""
    xs, ys, names = [], [], []
    folder = os.path.join(SHAPES, split)
    classes = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    assert classes == CLASSES, classes
    for y, kind in enumerate(classes):
        for f in sorted(os.listdir(os.path.join(folder, kind))):
            if not f.lower().endswith((".png", ".jpg", ".jpeg")):
                continue
            with Image.open(os.path.join(folder, kind, f)) as im:
                a = np.asarray(im.convert("RGB"), dtype=np.uint8)
            assert a.shape == (SIZE, SIZE, 3), (f, a.shape)
            xs.append(a.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
            ys.append(y)
            names.append("%s/%s/%s" % (split, kind, f))
    return np.stack(xs), np.array(ys), names


def dihedral(x, y):
    """The training images under the 8 flips and quarter turns (none changes a shape's class): 150 images are
    too few for the CNN to generalise from otherwise."""
    xs = [np.rot90(x, k, axes=(2, 3)) for k in range(4)]
    xs += [np.flip(a, 3) for a in xs]
    return np.ascontiguousarray(np.concatenate(xs)), np.tile(y, 8)


def reference_rows(names, labels):
    """The first two test images of each class."""
    return [i for c in range(len(CLASSES)) for i in np.flatnonzero(labels == c)[:2]]


def write_expected(path, acc, probs, names, rows, extra):
    out = {"test_accuracy": acc, "classes": CLASSES, "input_shape": [3, SIZE, SIZE]}
    out.update(extra)
    out["reference"] = {"files": [names[i] for i in rows], "outputs": probs[rows].ravel().tolist()}
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


def keras_model():
    import keras
    from keras import layers

    xtr, ytr, _ = read("train")
    xte, yte, names = read("test")
    xaug, yaug = dihedral(xtr, ytr)
    keras.utils.set_random_seed(1)
    m = keras.Sequential([
        keras.Input((SIZE, SIZE, 3)),
        layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(32, activation="relu"), layers.Dense(3, activation="softmax"),
    ], name="shapes_cnn")
    m.compile(keras.optimizers.Adam(2e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    nhwc = lambda x: np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    m.fit(nhwc(xaug), yaug, epochs=EPOCHS, batch_size=32, verbose=0)
    probs = m.predict(nhwc(xte), verbose=0)
    acc = float((probs.argmax(1) == yte).mean())
    out = os.path.join(ROOT, "models", "keras")
    os.makedirs(out, exist_ok=True)
    m.save(os.path.join(out, "shapes-cnn.keras"))
    write_expected(os.path.join(out, "shapes-cnn.expected.json"), acc, probs, names, reference_rows(names, yte),
                   {"keras": keras.__version__, "keras_input_shape": [SIZE, SIZE, 3],
                    "made_by": SCRIPT + " --keras"})
    print("shapes-cnn.keras:", m.count_params(), "params; train accuracy",
          float((m.predict(nhwc(xtr), verbose=0).argmax(1) == ytr).mean()), "test accuracy", acc)
    print("layers:", [(l.__class__.__name__, l.name) for l in m.layers])


def onnx_model():
    import torch
    from torch import nn

    class ShapesCnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 16, 3)
            self.conv2 = nn.Conv2d(16, 32, 3)
            self.fc1 = nn.Linear(32 * 6 * 6, 32)
            self.fc2 = nn.Linear(32, 3)

        def forward(self, x):
            x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
            return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))  # logits

    torch.set_num_threads(1)
    xtr, ytr, _ = read("train")
    xte, yte, names = read("test")
    xaug, yaug = dihedral(xtr, ytr)
    xtr_t, ytr_t = torch.tensor(xtr), torch.tensor(ytr, dtype=torch.long)
    xaug_t, yaug_t = torch.tensor(xaug), torch.tensor(yaug, dtype=torch.long)
    torch.manual_seed(1)
    m = ShapesCnn()
    opt = torch.optim.Adam(m.parameters(), 2e-3)
    for epoch in range(EPOCHS):
        perm = torch.randperm(len(xaug_t))
        for i in range(0, len(xaug_t), 32):
            b = perm[i:i + 32]
            opt.zero_grad()
            nn.functional.cross_entropy(m(xaug_t[b]), yaug_t[b]).backward()
            opt.step()
    m.eval()
    with torch.no_grad():
        torch_acc = float((m(torch.tensor(xte)).argmax(1).numpy() == yte).mean())
        train_acc = float((m(xtr_t).argmax(1) == ytr_t).float().mean())
    out = os.path.join(ROOT, "models", "onnx")
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "shapes-cnn.onnx")
    torch.onnx.export(m, (torch.tensor(xte[:2]),), path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, dynamo=False)
    import onnxruntime as ort
    logits = ort.InferenceSession(path).run(None, {"input": xte})[0]
    acc = float((logits.argmax(1) == yte).mean())
    e = np.exp(logits - logits.max(1, keepdims=True))
    probs = e / e.sum(1, keepdims=True)
    write_expected(os.path.join(out, "shapes-cnn.expected.json"), acc, probs, names, reference_rows(names, yte),
                   {"torch": torch.__version__, "outputs": "logits (reference: their softmax)",
                    "made_by": SCRIPT + " --onnx"})
    print("shapes-cnn.onnx:", sum(t.numel() for t in m.parameters()), "params; train accuracy", train_acc,
          "test accuracy in PyTorch", torch_acc, "in onnxruntime", acc)


if __name__ == "__main__":
    if "--keras" in sys.argv:
        keras_model()
    elif "--onnx" in sys.argv:
        onnx_model()
    else:
        write_data()
