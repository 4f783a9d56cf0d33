"""numpy peer of the matgrad benchmark: `python3 peer_numpy.py <workload dir> [BLAS threads]`.

Written in the layer style of the seeds' book (Affine, Relu, SoftmaxWithLoss, each
with forward and backward), float32 throughout. Speaks the protocol of protocol.ts:
one JSON request per line on stdin, one JSON answer per line on stdout.
"""
import os
import sys

# One BLAS thread by default, like the single-threaded JavaScript peers; the
# orchestrator also runs a two-thread peer. Must precede the import.
BLAS_THREADS = sys.argv[2] if len(sys.argv) > 2 else "1"
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = BLAS_THREADS

import json
import time
import traceback

import numpy as np


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout = dout.copy()
        dout[self.mask] = 0
        return dout


class SoftmaxWithLoss:
    def __init__(self):
        self.y = self.t = None

    def forward(self, x, t):
        shifted = x - x.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        self.y = e / e.sum(axis=1, keepdims=True)
        self.t = t
        n = x.shape[0]
        return float(-np.log(self.y[np.arange(n), t] + np.float32(1e-7)).sum() / n)

    def backward(self):
        n = self.t.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        return dx / np.float32(n)


def read(folder, name, dtype):
    return np.fromfile(os.path.join(folder, name), dtype=dtype)


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, "workload.json")) as f:
        meta = json.load(f)
    spec, files = meta["spec"], meta["files"]
    n_in, n_hidden, n_classes = spec["inputs"], spec["hidden"], spec["classes"]
    batch, lr, train_count = spec["batch"], np.float32(spec["learningRate"]), spec["trainCount"]
    train_x = read(folder, files["trainX"], "<f4").reshape(-1, n_in)
    train_y = read(folder, files["trainY"], "<i4")
    test_x = read(folder, files["testX"], "<f4").reshape(-1, n_in)
    test_y = read(folder, files["testY"], "<i4")
    init = {k: read(folder, files[k], "<f4") for k in ("w1", "b1", "w2", "b2")}
    order = read(folder, files["order"], "<i4")

    def epoch():
        layers = [
            Affine(init["w1"].reshape(n_in, n_hidden).copy(), init["b1"].copy()),
            Relu(),
            Affine(init["w2"].reshape(n_hidden, n_classes).copy(), init["b2"].copy()),
        ]
        last = SoftmaxWithLoss()
        steps = train_count // batch
        loss_sum = 0.0
        t0 = time.perf_counter()
        for b in range(steps):
            rows = order[b * batch:(b + 1) * batch]
            x, t = train_x[rows], train_y[rows]
            for layer in layers:
                x = layer.forward(x)
            loss_sum += last.forward(x, t)
            dout = last.backward()
            for layer in reversed(layers):
                dout = layer.backward(dout)
            for layer in (layers[0], layers[2]):
                layer.W -= lr * layer.dW
                layer.b -= lr * layer.db
        epoch_ms = (time.perf_counter() - t0) * 1000
        x = test_x
        for layer in layers:
            x = layer.forward(x)
        accuracy = float((x.argmax(axis=1) == test_y).mean())
        return {"epochMs": epoch_ms, "testAccuracy": accuracy, "meanLoss": loss_sum / steps}

    def matmul(m, k, n, variant):
        rng = np.random.default_rng(1)
        a = (rng.random((k, m) if variant == "AtB" else (m, k), dtype=np.float32) - 0.5)
        b = (rng.random((n, k) if variant == "ABt" else (k, n), dtype=np.float32) - 0.5)
        left = a.T if variant == "AtB" else a
        right = b.T if variant == "ABt" else b

        def run():
            left @ right

        for _ in range(3):
            run()
        t = time.perf_counter()
        run()
        once = max((time.perf_counter() - t) * 1000, 1e-3)
        reps = max(1, round(40 / once))
        per_call = []
        for _ in range(7):
            t = time.perf_counter()
            for _ in range(reps):
                run()
            per_call.append((time.perf_counter() - t) * 1000 / reps)
        ms = min(per_call)
        return {"ms": ms, "medianMs": float(np.median(per_call)), "gflops": 2 * m * k * n / (ms * 1e6)}

    def send(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    send({"ready": True, "detail": f"numpy {np.__version__}, Python {sys.version.split()[0]}, BLAS threads {BLAS_THREADS}"})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["cmd"] == "quit":
                break
            if request["cmd"] == "epoch":
                send(epoch())
            else:
                send(matmul(request["m"], request["k"], request["n"], request["variant"]))
        except Exception:
            send({"error": traceback.format_exc()})


main()
