#!/usr/bin/env python3
"""The PyTorch reference row of `npm run bench`: the same MiniVGGNet, loss and optimizer as the
library (Keras' SGD with momentum 0.9 and time-based decay, batch norm with Keras' momentum 0.99 and
epsilon 1e-3), trained on random data at the given batch sizes with as many threads as cores, timed
like bench/throughput.ts (median of the timed steps after a warm-up). Prints one JSON line.

Run with Debian's interpreter, which has python3-torch: /usr/bin/python3 bench/torch_reference.py.
Install libopenblas0-pthread beside it: without it Debian's torch runs its dense layers on the
reference BLAS and measures about half its speed. `npm run bench` starts it with
OPENBLAS_NUM_THREADS=1 and OMP_NUM_THREADS = the core count (bench/torch-env.ts): OpenBLAS' own
threads beside torch's OpenMP ones oversubscribe the cores and make the reference bimodal. The
threads field of the output says which settings it ran with.
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import time

import torch
from torch import nn


def mini_vgg_net(classes: int = 10) -> nn.Module:
    def bn(channels: int) -> nn.Module:
        # Keras' BatchNormalization(momentum=0.99, epsilon=1e-3); PyTorch's momentum is 1 - Keras'.
        return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)

    def block(cin: int, cout: int) -> list:
        return [
            nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), bn(cout),
            nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(), bn(cout),
            nn.MaxPool2d(2), nn.Dropout(0.25),
        ]

    return nn.Sequential(
        *block(1, 32), *block(32, 64), nn.Flatten(),
        nn.Linear(64 * 7 * 7, 512), nn.ReLU(), nn.BatchNorm1d(512, eps=1e-3, momentum=0.01), nn.Dropout(0.5),
        nn.Linear(512, classes),  # softmax is inside the cross-entropy loss
    )


def train_throughput(batch: int, steps: int, warmup: int) -> dict:
    torch.manual_seed(1)
    model = mini_vgg_net()
    lr, decay = 0.01, 0.01 / 25
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    # Keras' time-based decay: lr / (1 + decay * iterations), per batch.
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda iterations: 1 / (1 + decay * iterations))
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    model.train()
    times = []
    for i in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        schedule.step()
        loss.item()
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1000)
    ms = statistics.median(times)
    return {'imagesPerSecond': batch * 1000 / ms, 'msPerStep': ms, 'meanMsPerStep': statistics.fmean(times), 'steps': steps}


def infer_throughput(batch: int, repeats: int) -> dict:
    model = mini_vgg_net().eval()
    x = torch.rand(batch, 1, 28, 28)
    with torch.no_grad():
        model(x)
        start = time.perf_counter()
        for _ in range(repeats):
            model(x)
        ms = (time.perf_counter() - start) * 1000 / repeats
    return {'imagesPerSecond': batch * 1000 / ms}


def read_idx_images(path: str) -> torch.Tensor:
    """The images of a gzipped IDX file as a [n, 1, rows, columns] uint8 tensor."""
    with gzip.open(path, 'rb') as f:
        data = f.read()
    _, count, rows, columns = struct.unpack('>IIII', data[:16])
    return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).reshape(count, 1, rows, columns)


def evaluate_throughput(images: torch.Tensor, batches: list, repeats: int) -> dict:
    """Images per second classifying `images` in order at each batch size, as evaluateModel does:
    bytes scaled to [0, 1] per batch, the forward pass, softmax and the predicted classes. The median
    of `repeats` passes over all images, after one pass of warm-up."""
    model = mini_vgg_net().eval()

    def one_pass(batch: int) -> float:
        start = time.perf_counter()
        with torch.no_grad():
            for i in range(0, len(images), batch):
                x = images[i:i + batch].float().div_(255)
                torch.softmax(model(x), dim=1).argmax(dim=1)
        return time.perf_counter() - start

    result = {}
    for batch in batches:
        one_pass(batch)
        result[str(batch)] = len(images) / statistics.median(one_pass(batch) for _ in range(repeats))
    return result


def blas_library() -> str:
    """The BLAS this process loaded: Debian's python3-torch uses whichever libblas.so.3 the
    alternatives system selects (the reference BLAS unless OpenBLAS is installed), and the dense
    layers' matrix products, most of a step, run three times faster on OpenBLAS."""
    with open('/proc/self/maps') as maps:
        paths = {line.split()[-1] for line in maps if 'blas' in line.split()[-1]}
    names = sorted({os.path.basename(os.path.dirname(path)) for path in paths})
    return ', '.join(names) or 'unknown'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--train-batches', default='32,128')
    parser.add_argument('--train-steps', type=int, default=20)
    parser.add_argument('--infer-batch', type=int, default=128)
    parser.add_argument('--evaluate', metavar='IMAGES', help='only time classifying this gzipped IDX file of images (e.g. t10k-images-idx3-ubyte.gz)')
    parser.add_argument('--evaluate-batches', default='64,128,256')
    args = parser.parse_args()
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    if args.evaluate:
        batches = [int(b) for b in args.evaluate_batches.split(',')]
        evaluate = evaluate_throughput(read_idx_images(args.evaluate), batches, 3)
        print(json.dumps({'config': 'pytorch', 'threads': threads, 'evaluate': evaluate}))
        return
    train = {}
    for batch in (int(b) for b in args.train_batches.split(',')):
        train[str(batch)] = train_throughput(batch, 5 if batch > 32 else args.train_steps, 1 if batch > 32 else 3)
    infer = {'batch': args.infer_batch, **infer_throughput(args.infer_batch, 5)}
    print(json.dumps({'config': 'pytorch', 'backend': f'PyTorch {torch.__version__} with BLAS from {blas_library()}', 'threads': f"{threads} thread(s), OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}", 'train': train, 'infer': infer}))


if __name__ == '__main__':
    main()
