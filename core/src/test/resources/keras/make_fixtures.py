"""Makes the Keras 3 fixtures of the importer's tests, with the reference outputs Keras computes for them.

Run with TensorFlow 2.21 / Keras 3.15 (see shared/NOTES-DL4J.md for the virtual environment):
    python make_fixtures.py OUT_DIR                              (the test fixtures)
    python make_fixtures.py OUT_DIR --fashion FASHION_MNIST_DIR  (only the Fashion-MNIST teacher)
Writes, for each fixture NAME, NAME.keras and NAME.h5 (the same model in both formats) and NAME.expected.json:
{"keras": version, "input_shape": [...] (channels last, no batch), "inputs": flat list, "outputs": flat list,
"output_shape": [...]}. With --fashion it also trains a small CNN on Fashion-MNIST for two epochs and writes
fashion-cnn.keras with its test accuracy in fashion-cnn.expected.json (models/keras/ of the repository).
"""
import gzip
import json
import os
import sys

import numpy as np
import keras
from keras import layers

rng = np.random.default_rng(7)


def randomise(model):
    """Random weights everywhere, batch-norm statistics included, so that every parameter matters."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws:
            continue
        new = []
        for w in ws:
            if isinstance(layer, layers.BatchNormalization):
                new.append(rng.uniform(0.5, 1.5, w.shape).astype("float32"))
            else:
                new.append((rng.normal(0, 0.3, w.shape)).astype("float32"))
        if isinstance(layer, layers.BatchNormalization):
            new[2] = rng.normal(0, 0.2, new[2].shape).astype("float32")  # moving mean
        layer.set_weights(new)


def save(model, name, x, out):
    model.save(os.path.join(out, name + ".keras"))
    model.save(os.path.join(out, name + ".h5"))
    y = model.predict(x, verbose=0)
    with open(os.path.join(out, name + ".expected.json"), "w") as f:
        json.dump({"keras": keras.__version__, "input_shape": list(x.shape[1:]), "inputs": x.ravel().tolist(),
                   "outputs": y.ravel().tolist(), "output_shape": list(y.shape[1:])}, f)
    print(name, model.count_params(), "params; outputs", y.shape)


def cnn():
    m = keras.Sequential([
        keras.Input((12, 12, 1)),
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(16, 3, padding="same"),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="cnn")
    randomise(m)
    return m, rng.uniform(0, 1, (3, 12, 12, 1)).astype("float32")


def residual_cnn():
    inp = keras.Input((16, 16, 3))
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inp)
    b = layers.DepthwiseConv2D(3, padding="same")(x)
    b = layers.BatchNormalization()(b)
    b = layers.ReLU()(b)
    b = layers.Conv2D(8, 1)(b)
    x = layers.Add()([x, b])
    x = layers.SeparableConv2D(12, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Concatenate()([layers.GlobalAveragePooling2D()(x), layers.GlobalMaxPooling2D()(x)])
    out = layers.Dense(5, activation="softmax")(x)
    m = keras.Model(inp, out, name="residual_cnn")
    randomise(m)
    return m, rng.uniform(0, 1, (3, 16, 16, 3)).astype("float32")


def text_lstm():
    inp = keras.Input((10,), dtype="int32")
    x = layers.Embedding(50, 8)(inp)
    x = layers.Conv1D(8, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Bidirectional(layers.LSTM(6, return_sequences=True))(x)
    x = layers.LSTM(5)(x)
    x = layers.Dense(12, activation="tanh")(x)
    x = layers.Reshape((3, 4))(x)
    x = layers.GlobalAveragePooling1D()(x)
    out = layers.Dense(2, activation="softmax")(x)
    m = keras.Model(inp, out, name="text_lstm")
    randomise(m)
    return m, rng.integers(0, 50, (3, 10)).astype("float32")


def text_gru():
    m = keras.Sequential([keras.Input((10,)), layers.Embedding(50, 8), layers.GRU(6, return_sequences=True),
                          layers.GRU(4), layers.Dense(2, activation="softmax")], name="text_gru")
    randomise(m)
    return m, rng.integers(0, 50, (3, 10)).astype("float32")


def unsupported():
    """A layer the importer does not map (LayerNormalization): the test checks the error names it."""
    m = keras.Sequential([keras.Input((6,)), layers.Dense(4), layers.LayerNormalization(),
                          layers.Dense(2, activation="softmax")], name="unsupported")
    return m, rng.uniform(0, 1, (2, 6)).astype("float32")


def idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion(src, out):
    files = {f.split("-")[0] + ("-labels" if "labels" in f else "-images"): os.path.join(src, f)
             for f in os.listdir(src) if "ubyte" in f}
    xtr = idx(files["train-images"]).astype("float32")[..., None] / 255
    ytr = idx(files["train-labels"])
    xte = idx(files["t10k-images"]).astype("float32")[..., None] / 255
    yte = idx(files["t10k-labels"])
    keras.utils.set_random_seed(1)
    m = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax"),
    ], name="fashion_cnn")
    m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(xtr, ytr, epochs=2, batch_size=128, verbose=2)
    acc = float(m.evaluate(xte, yte, verbose=0)[1])
    m.save(os.path.join(out, "fashion-cnn.keras"))
    x = xte[:4]
    with open(os.path.join(out, "fashion-cnn.expected.json"), "w") as f:
        json.dump({"keras": keras.__version__, "test_accuracy": acc, "input_shape": [28, 28, 1],
                   "inputs": x.ravel().tolist(), "outputs": m.predict(x, verbose=0).ravel().tolist(),
                   "output_shape": [10]}, f)
    print("fashion-cnn test accuracy in Keras:", acc)


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    if "--fashion" in sys.argv:
        fashion(sys.argv[sys.argv.index("--fashion") + 1], out)
    else:
        for make in (cnn, residual_cnn, text_lstm, text_gru, unsupported):
            model, x = make()
            save(model, model.name.replace("_", "-"), x, out)
