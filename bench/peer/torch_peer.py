#!/usr/bin/env python3
"""The PyTorch (CPU) side of the reference benchmark (shared/BENCHMARKS.md, summarised in docs/results/bench.md):
the same four networks, optimiser, KD loss and batch sizes as the project's `bin/compression bench`, timed on random
inputs of the real shapes (speeds, not accuracies, so no data set is read).

Install (bench/peer/install.sh does it): a venv with a CPU build of torch.
Run:     python torch_peer.py [--threads 2] [--json peer.json] [--min-seconds 2]
Prints one `name value` line per figure; the JSON holds the same keys plus the torch version and thread count.
"""
import argparse
import json
import time

import torch
from torch import nn
from torch.nn import functional as F

VOCAB, TOKENS = 20_000, 256


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, kernel_size=3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]


def make_cv_teacher():  # 1,868,234 parameters (the BN running statistics are buffers, not counted)
    return nn.Sequential(
        *conv_bn_relu(1, 64), *conv_bn_relu(64, 64), nn.MaxPool2d(2),
        *conv_bn_relu(64, 128), *conv_bn_relu(128, 128), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 10))


def make_cv_student():  # 105,866 parameters
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))


class BiLstmMaxPool(nn.Module):  # nlp-teacher, 2,824,706 parameters (two LSTM bias vectors; DL4J has one)
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 128)
        self.encoder = nn.LSTM(128, 128, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(2 * 128, 2)

    def forward(self, tokens):
        states, _ = self.encoder(self.embedding(tokens))
        return self.classifier(states.amax(dim=1))


class MeanBag(nn.Module):  # nlp-student, 640,066 parameters
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 32)
        self.classifier = nn.Linear(32, 2)

    def forward(self, tokens):
        return self.classifier(self.embedding(tokens).mean(dim=1))


def kd_objective(student_logits, teacher_logits, labels, temperature=4.0, alpha=0.9):
    """alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) * CE(y, s)."""
    soft = F.kl_div(F.log_softmax(student_logits / temperature, dim=1),
                    F.log_softmax(teacher_logits / temperature, dim=1), reduction="batchmean", log_target=True)
    return alpha * temperature ** 2 * soft + (1 - alpha) * F.cross_entropy(student_logits, labels)


def samples_per_second(step, batch, min_seconds, warm_up=3):
    """Runs `step` until at least min_seconds have passed (and 5 times), after warm-up calls."""
    for _ in range(warm_up):
        step()
    calls, start = 0, time.perf_counter()
    while calls < 5 or time.perf_counter() - start < min_seconds:
        step()
        calls += 1
    return batch * calls / (time.perf_counter() - start)


def measure(task, teacher, student, inputs, classes, train_batch, min_seconds):
    x, y = inputs(train_batch), torch.randint(0, classes, (train_batch,))
    teacher_opt = torch.optim.Adam(teacher.parameters(), lr=1e-3)
    student_opt = torch.optim.Adam(student.parameters(), lr=1e-3)

    def teacher_step():
        teacher.train()
        teacher_opt.zero_grad()
        F.cross_entropy(teacher(x), y).backward()
        teacher_opt.step()

    def kd_step():
        teacher.eval()
        student.train()
        with torch.no_grad():
            targets = teacher(x)
        student_opt.zero_grad()
        kd_objective(student(x), targets, y).backward()
        student_opt.step()

    figures = {"teacher_train_samples_per_s": samples_per_second(teacher_step, train_batch, min_seconds),
               "kd_student_train_samples_per_s": samples_per_second(kd_step, train_batch, min_seconds)}
    teacher.eval()
    student.eval()
    big, one = inputs(256), inputs(1)
    with torch.inference_mode():
        figures["teacher_infer_b256_samples_per_s"] = samples_per_second(lambda: teacher(big), 256, min_seconds)
        figures["student_infer_b256_samples_per_s"] = samples_per_second(lambda: student(big), 256, min_seconds)
        figures["student_infer_b1_ms"] = 1000.0 / samples_per_second(lambda: student(one), 1, min_seconds, 20)
    figures["teacher_params"] = sum(p.numel() for p in teacher.parameters())
    figures["student_params"] = sum(p.numel() for p in student.parameters())
    return {f"{task}.{k}": v for k, v in figures.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--min-seconds", type=float, default=2.0, help="timing per figure, after warm-up")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.nnpack.set_flags(False)  # it cannot start on these CPUs and says so once per convolution
    torch.manual_seed(0)
    results = {}
    results.update(measure("cv", make_cv_teacher(), make_cv_student(), lambda n: torch.randn(n, 1, 28, 28), 10,
                           128, args.min_seconds))
    results.update(measure("nlp", BiLstmMaxPool(), MeanBag(), lambda n: torch.randint(0, VOCAB, (n, TOKENS)), 2,
                           64, args.min_seconds))
    for key, value in results.items():
        print(f"{key} {value:.4g}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"torch": torch.__version__, "threads": args.threads, **results}, fh, indent=1)


if __name__ == "__main__":
    main()
