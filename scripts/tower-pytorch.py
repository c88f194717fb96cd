#!/usr/bin/env python3
"""PyTorch eager on the tower `selfplaybn bench --only tower` measures: Leela Zero's 19x19 shape (18 input planes,
10 residual blocks x 128 filters, 2-filter policy head to 362 moves, 1-filter value head through 256 hidden units),
BatchNorm folded into the convolutions as our served models are, eval mode, inference mode. Per batch, as our path does:
one pinned host->device copy of the observations, the forward, softmax priors and values in float32, one device->host
copy. Prints one line per precision and layout in positions/s. Usage: tower-pytorch.py [SECONDS] [BATCH]"""
import sys
import time

import torch
import torch.nn.functional as F

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
planes, side, filters, blocks, moves = 18, 19, 128, 10, 362


class Tower(torch.nn.Module):
    """Convolutions with biases stand for convolution + folded BatchNorm."""

    def __init__(self):
        super().__init__()
        self.inp = torch.nn.Conv2d(planes, filters, 3, padding=1)
        self.convs = torch.nn.ModuleList(torch.nn.Conv2d(filters, filters, 3, padding=1) for _ in range(2 * blocks))
        self.policy_conv = torch.nn.Conv2d(filters, 2, 1)
        self.policy_fc = torch.nn.Linear(2 * side * side, moves)
        self.value_conv = torch.nn.Conv2d(filters, 1, 1)
        self.value_fc1 = torch.nn.Linear(side * side, 256)
        self.value_fc2 = torch.nn.Linear(256, 1)

    def forward(self, x):
        h = F.relu(self.inp(x))
        for b in range(blocks):
            r = F.relu(self.convs[2 * b](h))
            h = F.relu(self.convs[2 * b + 1](r) + h)
        p = self.policy_fc(F.relu(self.policy_conv(h)).flatten(1))
        v = torch.tanh(self.value_fc2(F.relu(self.value_fc1(F.relu(self.value_conv(h)).flatten(1))))).squeeze(1)
        return p, v


def measure(dtype, channels_last):
    torch.manual_seed(1)
    net = Tower().to(device).eval().to(dtype)
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    host_in = (torch.rand(batch, planes, side, side) < 0.25).float()
    host_out = torch.empty(batch * (moves + 1))
    if device.type == "cuda":
        host_in = host_in.pin_memory()
        host_out = host_out.pin_memory()

    def once():
        with torch.inference_mode():
            x = host_in.to(device, non_blocking=True).to(dtype)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            p, v = net(x)
            answers = torch.cat([F.softmax(p.float(), 1).flatten(), v.float().flatten()])
            host_out.copy_(answers)  # synchronous: the answers are on the host

    for _ in range(5):
        once()
    start, runs = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        once()
        runs += 1
    return runs * batch / (time.perf_counter() - start)


print(f"torch {torch.__version__} on {device}, batch {batch}")
for dtype, name in [(torch.float32, "fp32"), (torch.bfloat16, "bf16"), (torch.float16, "fp16")]:
    for channels_last in (False, True):
        if device.type == "cpu" and dtype != torch.float32 and channels_last:
            continue
        rate = measure(dtype, channels_last)
        print(f"pytorch {name}{', channels-last' if channels_last else ''}, batch {batch}: {rate:,.0f} positions/s")
