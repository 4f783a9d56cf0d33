"""PyTorch on the same jobs as gpu.ts, for comparison on a machine with a GPU.

Usage: python3 peer_torch.py <workload dir> <jobs.json>; prints one JSON line.
jobs.json: {"device": "cuda" | "cpu", "repeats": R, "warmup": W,
            "epochs": [{"name", "hidden", "batch", "weights": {"w1", "b1", "w2", "b2"} (raw f32 files)}],
            "matmuls": [[m, k, n], ...]}
The model is the benchmark's (Linear, ReLU, Linear, mean softmax cross-entropy, SGD lr 0.1) in
float32 with TF32 off, from the same initial weights and in the same batch order; batches are
gathered on the device by index, as matgrad's webgpu peer gathers them.
"""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch


def raw(folder, name, dtype):
    return np.fromfile(os.path.join(folder, name), dtype=dtype)


def main():
    folder, jobs_path = sys.argv[1], sys.argv[2]
    with open(jobs_path) as f:
        jobs = json.load(f)
    with open(os.path.join(folder, "workload.json")) as f:
        meta = json.load(f)
    spec, files = meta["spec"], meta["files"]
    device = torch.device(jobs["device"])
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    inputs, classes, lr = spec["inputs"], spec["classes"], spec["learningRate"]

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def load(name, dtype, shape=None):
        a = raw(folder, files[name] if name in files else name, dtype)
        t = torch.from_numpy(a.copy())
        return (t.reshape(shape) if shape else t).to(device)

    train_x = load("trainX", np.float32, (-1, inputs))
    train_y = load("trainY", np.int32).long()
    test_x = load("testX", np.float32, (-1, inputs))
    test_y = load("testY", np.int32).long()
    order = load("order", np.int32).long()

    results = {"device": str(device), "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu", "epochs": {}, "matmuls": []}
    for job in jobs["epochs"]:
        hidden, batch = job["hidden"], job["batch"]
        w = job["weights"]
        initial = [
            load(w["w1"], np.float32, (inputs, hidden)),
            load(w["b1"], np.float32),
            load(w["w2"], np.float32, (hidden, classes)),
            load(w["b2"], np.float32),
        ]
        params = [p.clone().requires_grad_(True) for p in initial]
        opt = torch.optim.SGD(params, lr=lr)
        steps = train_x.shape[0] // batch

        def epoch():
            with torch.no_grad():
                for p, v in zip(params, initial):
                    p.copy_(v)
            sync()
            t0 = time.perf_counter()
            loss_sum = torch.zeros((), device=device)
            for b in range(steps):
                rows = order[b * batch:(b + 1) * batch]
                x, y = train_x[rows], train_y[rows]
                opt.zero_grad(set_to_none=True)
                logits = torch.relu(x @ params[0] + params[1]) @ params[2] + params[3]
                loss = torch.nn.functional.cross_entropy(logits, y)
                loss.backward()
                opt.step()
                loss_sum += loss.detach()
            total = loss_sum.item()
            ms = (time.perf_counter() - t0) * 1000
            with torch.no_grad():
                logits = torch.relu(test_x @ params[0] + params[1]) @ params[2] + params[3]
                accuracy = (logits.argmax(1) == test_y).float().mean().item()
            return ms, accuracy, total / steps

        for _ in range(jobs["warmup"]):
            epoch()
        runs = [epoch() for _ in range(jobs["repeats"])]
        results["epochs"][job["name"]] = {
            "ms": [r[0] for r in runs],
            "medianMs": statistics.median(r[0] for r in runs),
            "testAccuracy": runs[-1][1],
            "meanLoss": runs[-1][2],
        }

    for m, k, n in jobs["matmuls"]:
        a = torch.rand(m, k, device=device) - 0.5
        b = torch.rand(k, n, device=device) - 0.5
        for _ in range(3):
            a @ b
        sync()
        t0 = time.perf_counter()
        a @ b
        sync()
        once = max(time.perf_counter() - t0, 1e-6)
        reps = max(1, round(0.04 / once))
        best = float("inf")
        for _ in range(7):
            sync()
            t0 = time.perf_counter()
            for _ in range(reps):
                a @ b
            sync()
            best = min(best, (time.perf_counter() - t0) / reps)
        results["matmuls"].append({"m": m, "k": k, "n": n, "ms": best * 1000, "gflops": 2 * m * k * n / best / 1e9})
    print(json.dumps(results))


if __name__ == "__main__":
    main()
