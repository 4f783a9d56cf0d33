"""numpy peer of the matgrad benchmark:
`python3 peer_numpy.py <workload dir> [BLAS threads] [mlp|cnn] [float32|float64]`.

Written in the layer style of the seeds' book (Affine, Relu, SoftmaxWithLoss, and for the CNN
Convolution and Pooling over im2col/col2im, each with forward and backward), float32
throughout by default; float64 widens the data and weights (the workload's float32 values) and
computes everything in float64. Speaks the protocol of protocol.ts: one JSON request per line
on stdin, one JSON answer per line on stdout.
"""
import os
import resource
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

DTYPE = np.dtype(sys.argv[4] if len(sys.argv) > 4 else "float32")
if DTYPE not in (np.float32, np.float64):
    raise SystemExit(f"peer_numpy.py: the dtype must be float32 or float64, got {DTYPE}")


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.dW = self.db = self.shape = None

    def forward(self, x):
        # Images arrive as [N, C, H, W]: flattened row by row, channel after channel.
        self.shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.W + self.b

    def backward(self, dout):
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return (dout @ self.W.T).reshape(self.shape)


def im2col(images, kh, kw, pad):
    """[N, C, H, W] -> [N*OH*OW, C*kh*kw]: one row per output pixel, holding its patch.

    The book's way: one strided slice per filter tap (kh*kw copies of whole planes) instead
    of one small copy per output pixel."""
    n, c, h, w = images.shape
    oh, ow = h + 2 * pad - kh + 1, w + 2 * pad - kw + 1
    padded = np.pad(images, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    taps = np.empty((n, c, kh, kw, oh, ow), dtype=images.dtype)
    for i in range(kh):
        for j in range(kw):
            taps[:, :, i, j, :, :] = padded[:, :, i:i + oh, j:j + ow]
    return taps.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1)


def col2im(col, shape, kh, kw, pad):
    """The adjoint of im2col: every entry of a patch row added back at its pixel."""
    n, c, h, w = shape
    oh, ow = h + 2 * pad - kh + 1, w + 2 * pad - kw + 1
    taps = col.reshape(n, oh, ow, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)
    padded = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for i in range(kh):
        for j in range(kw):
            padded[:, :, i:i + oh, j:j + ow] += taps[:, :, i, j, :, :]
    return padded[:, :, pad:pad + h, pad:pad + w]


class Convolution:
    """Stride 1; W [F, C, kh, kw], b [F]."""

    def __init__(self, W, b, pad):
        self.W, self.b, self.pad = W, b, pad
        self.shape = self.col = self.dW = self.db = None

    def forward(self, x):
        f, _, kh, kw = self.W.shape
        n, _, h, w = x.shape
        oh, ow = h + 2 * self.pad - kh + 1, w + 2 * self.pad - kw + 1
        self.shape = x.shape
        self.col = im2col(x, kh, kw, self.pad)
        out = self.col @ self.W.reshape(f, -1).T + self.b
        return out.reshape(n, oh, ow, f).transpose(0, 3, 1, 2)

    def backward(self, dout):
        f, c, kh, kw = self.W.shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, f)
        self.db = dout.sum(axis=0)
        self.dW = (self.col.T @ dout).T.reshape(f, c, kh, kw)
        return col2im(dout @ self.W.reshape(f, -1), self.shape, kh, kw, self.pad)


class Pooling:
    """2x2 max-pooling, stride 2: the gradient goes to each window's first largest entry."""

    def __init__(self):
        self.shape = self.arg = None

    def forward(self, x):
        n, c, h, w = x.shape
        self.shape = x.shape
        # Side-by-side windows: one reshape lays each 2x2 window out as a row of four.
        windows = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(-1, 4)
        self.arg = windows.argmax(axis=1)
        return windows.max(axis=1).reshape(n, c, h // 2, w // 2)

    def backward(self, dout):
        n, c, h, w = self.shape
        routed = np.zeros((dout.size, 4), dtype=dout.dtype)
        routed[np.arange(dout.size), self.arg] = dout.ravel()
        # Back from windows [N*C, H/2, W/2, 2, 2] to pixels [N, C, H, W].
        return routed.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h, w)


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
        return float(-np.log(self.y[np.arange(n), t] + DTYPE.type(1e-7)).sum() / n)

    def backward(self):
        n = self.t.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        return dx / DTYPE.type(n)


def read(folder, name, dtype):
    """A workload file; float32 files come back in the peer's dtype."""
    values = np.fromfile(os.path.join(folder, name), dtype=dtype)
    return values.astype(DTYPE) if dtype == "<f4" else values


def time_calls(run):
    """Milliseconds per call in seven chunks of about 40 ms, after 100 ms of warm-up (the
    chunk size taken from the warm-up's rate), as timing() in protocol.ts."""
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < 0.1:
        run()
        calls += 1
    reps = max(1, round(calls * 0.04 / (time.perf_counter() - start)))
    per_call = []
    for _ in range(7):
        t = time.perf_counter()
        for _ in range(reps):
            run()
        per_call.append((time.perf_counter() - t) * 1000 / reps)
    return per_call


def timing(run):
    per_call = time_calls(run)
    return {"us": min(per_call) * 1000, "medianUs": float(np.median(per_call)) * 1000}


def filler(length, seed):
    """protocol.ts's filler: uniform values in [-0.5, 0.5) from a linear congruential stream."""
    out = np.empty(length, dtype=np.float64)
    s = seed & 0xFFFFFFFF
    for i in range(length):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = s / 2**32 - 0.5
    return out.astype(DTYPE)


OP_CALLS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "relu": lambda a, b: np.maximum(a, 0),
    "matmul": lambda a, b: a @ b,
    "sum": lambda a, b: a.sum(),
}


def main():
    folder = sys.argv[1]
    job = sys.argv[3] if len(sys.argv) > 3 else "mlp"
    with open(os.path.join(folder, "workload.json")) as f:
        meta = json.load(f)
    spec, files = meta["spec"], meta["files"]
    n_in, n_hidden, n_classes = spec["inputs"], spec["hidden"], spec["classes"]
    batch, lr, train_count = spec["batch"], DTYPE.type(spec["learningRate"]), spec["trainCount"]
    train_x = read(folder, files["trainX"], "<f4").reshape(-1, n_in)
    train_y = read(folder, files["trainY"], "<i4")
    test_x = read(folder, files["testX"], "<f4").reshape(-1, n_in)
    test_y = read(folder, files["testY"], "<i4")
    init = {k: read(folder, files[k], "<f4") for k in ("w1", "b1", "w2", "b2")}
    order = read(folder, files["order"], "<i4")

    def cnn_layers():
        with open(os.path.join(folder, "cnn.json")) as f:
            cnn = json.load(f)
        spec, weights = cnn["spec"], {k: read(folder, v, "<f4") for k, v in cnn["files"].items()}
        (c1, c2), (h1, h2) = spec["channels"], spec["hidden"]
        return [
            Convolution(weights["conv1"].reshape(c1, 1, 5, 5).copy(), weights["conv1Bias"].copy(), 2),
            Relu(),
            Pooling(),
            Convolution(weights["conv2"].reshape(c2, c1, 5, 5).copy(), weights["conv2Bias"].copy(), 0),
            Relu(),
            Pooling(),
            Affine(weights["fc1"].reshape(c2 * 25, h1).copy(), weights["fc1Bias"].copy()),
            Relu(),
            Affine(weights["fc2"].reshape(h1, h2).copy(), weights["fc2Bias"].copy()),
            Relu(),
            Affine(weights["fc3"].reshape(h2, n_classes).copy(), weights["fc3Bias"].copy()),
        ], DTYPE.type(spec["learningRate"])

    def epoch():
        if job == "cnn":
            layers, rate = cnn_layers()
            return train_epoch(layers, rate, lambda x: x.reshape(-1, 1, 28, 28))
        layers = [
            Affine(init["w1"].reshape(n_in, n_hidden).copy(), init["b1"].copy()),
            Relu(),
            Affine(init["w2"].reshape(n_hidden, n_classes).copy(), init["b2"].copy()),
        ]
        return train_epoch(layers, lr, lambda x: x)

    def train_epoch(layers, rate, shape):
        last = SoftmaxWithLoss()
        steps = train_count // batch
        loss_sum = 0.0
        faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        t0 = time.perf_counter()
        for b in range(steps):
            rows = order[b * batch:(b + 1) * batch]
            x, t = shape(train_x[rows]), train_y[rows]
            for layer in layers:
                x = layer.forward(x)
            loss_sum += last.forward(x, t)
            dout = last.backward()
            for layer in reversed(layers):
                dout = layer.backward(dout)
            for layer in layers:
                if hasattr(layer, "W"):
                    layer.W -= rate * layer.dW
                    layer.b -= rate * layer.db
        epoch_ms = (time.perf_counter() - t0) * 1000
        page_faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before
        predicted = []
        for start in range(0, len(test_y), 250):
            x = shape(test_x[start:start + 250])
            for layer in layers:
                x = layer.forward(x)
            predicted.append(x.argmax(axis=1))
        accuracy = float((np.concatenate(predicted) == test_y).mean())
        return {"epochMs": epoch_ms, "testAccuracy": accuracy, "meanLoss": loss_sum / steps, "pageFaults": page_faults}

    def matmul(m, k, n, variant):
        rng = np.random.default_rng(1)
        a = (rng.random((k, m) if variant == "AtB" else (m, k), dtype=np.float32) - 0.5).astype(DTYPE)
        b = (rng.random((n, k) if variant == "ABt" else (k, n), dtype=np.float32) - 0.5).astype(DTYPE)
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

    def mlp_layers(weights):
        """Affine layers with Relu between them, on copies of the (weight, bias) pairs."""
        layers = []
        for i, (w, b) in enumerate(weights):
            if i > 0:
                layers.append(Relu())
            layers.append(Affine(w.reshape(-1, b.size).copy(), b.copy()))
        return layers

    def large_workload():
        with open(os.path.join(folder, "large.json")) as f:
            large = json.load(f)
        return large["spec"], [(read(folder, f["weight"], "<f4"), read(folder, f["bias"], "<f4")) for f in large["files"]]

    large = large_workload() if job == "mlp" else None

    def large_steps():
        spec, weights = large
        layers, last, rate, rows = mlp_layers(weights), SoftmaxWithLoss(), DTYPE.type(spec["learningRate"]), spec["batch"]
        loss_sum = 0.0
        t0 = time.perf_counter()
        for s in range(spec["steps"]):
            picked = order[s * rows:(s + 1) * rows]
            x, t = train_x[picked], train_y[picked]
            for layer in layers:
                x = layer.forward(x)
            loss_sum += last.forward(x, t)
            dout = last.backward()
            for layer in reversed(layers):
                dout = layer.backward(dout)
            for layer in layers:
                if hasattr(layer, "W"):
                    layer.W -= rate * layer.dW
                    layer.b -= rate * layer.db
        step_ms = (time.perf_counter() - t0) * 1000 / spec["steps"]
        return {"stepMs": step_ms, "meanLoss": loss_sum / spec["steps"]}

    latency_models = {}

    def latency(model):
        if model not in latency_models:
            weights = large[1] if model == "large" else [(init["w1"], init["b1"]), (init["w2"], init["b2"])]
            latency_models[model] = mlp_layers(weights)
        layers, sample = latency_models[model], test_x[0]

        def run():
            x = sample.reshape(1, -1)
            for layer in layers:
                x = layer.forward(x)

        return timing(run)

    def ops(cases):
        results = []
        for case in cases:
            size, call = case["size"], OP_CALLS[case["op"]]
            a = filler(size * size, 1).reshape(size, size)
            b = filler(size * size, 2).reshape(size, size)
            results.append(timing(lambda: call(a, b)))
        return {"ops": results}

    def send(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    style = ", book-style im2col/col2im" if job == "cnn" else ""
    send({"ready": True, "detail": f"numpy {np.__version__} {DTYPE}, Python {sys.version.split()[0]}{style}, BLAS threads {BLAS_THREADS}"})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["cmd"] == "quit":
                break
            if request["cmd"] == "epoch":
                send(epoch())
            elif request["cmd"] == "matmul":
                send(matmul(request["m"], request["k"], request["n"], request["variant"]))
            elif request["cmd"] == "largeSteps":
                send(large_steps())
            elif request["cmd"] == "latency":
                send(latency(request["model"]))
            elif request["cmd"] == "ops":
                send(ops(request["cases"]))
            else:
                send({"error": f"unknown request {request['cmd']!r}"})
        except Exception:
            send({"error": traceback.format_exc()})


main()
