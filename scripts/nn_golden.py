#!/usr/bin/python3
"""Golden data for package nn, from PyTorch.

Run with Debian's Python, which has torch 1.13 (not a pyenv python3):

    /usr/bin/python3 scripts/nn_golden.py

It writes testdata/nn/ (float32 '<f4' .npy files unless noted):

sgd/    a small compact CNN trained for 10 steps of SGD, step by step:
        x.npy [8,1,12,12], labels.npy [8] (class indices stored as float32),
        init/<name>.npy   the initial state dict (Go layouts),
        grad0/<name>.npy  the parameter gradients of the first step,
        losses.npy        the loss before each step ('<f8'),
        final/<name>.npy  the state dict after 10 steps,
        eval_logits.npy   the trained model's logits in eval mode.
pool/   pooling layers on one random input: outputs and input gradients for
        a fixed output gradient.

The model (names as in its state dict):

    features.0  Conv2d(1, 8, 3, padding=1)                 (with bias)
    features.1  BatchNorm2d(8)
    features.2  ReLU
    features.3  Conv2d(8, 8, 3, stride=2, padding=1, groups=8, bias=False)
    features.4  Conv2d(8, 16, 1, bias=False)
    features.5  BatchNorm2d(16)
    features.6  ReLU
    features.7  ChannelWise(d_c=4, SAME)   conv3d on x.unsqueeze(1)
    features.8  AdaptiveAvgPool2d(1)
    features.9  Flatten
    classifier  Linear(16, 10)

trained in train mode with F.cross_entropy(label_smoothing=0.1) and
torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=5e-4).

The channel-wise weight is [1, 1, d_c, 1, 1] in PyTorch (a Conv3d with one
input and one output channel) and [1, d_c, 1, 1] in convkit; it is saved in
convkit's layout. num_batches_tracked (int64 in PyTorch) is saved as a
float32 scalar.
"""

import math
import os
import shutil
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "nn")


class ChannelWise(nn.Module):
    """ChannelNets' channel-wise convolution, stride 1, TF SAME padding."""

    def __init__(self, dc):
        super().__init__()
        self.dc = dc
        self.weight = nn.Parameter(torch.empty(1, 1, dc, 1, 1))
        bound = 1 / math.sqrt(dc)  # kaiming_uniform_(a=sqrt(5)), fan_in = dc
        nn.init.uniform_(self.weight, -bound, bound)

    def forward(self, x):
        total = self.dc - 1  # SAME at stride 1; the odd element at the end
        front, back = total // 2, total - total // 2
        v = F.pad(x.unsqueeze(1), (0, 0, 0, 0, front, back))
        return F.conv3d(v, self.weight).squeeze(1)


def model():
    features = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8, bias=False),
        nn.Conv2d(8, 16, 1, bias=False),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        ChannelWise(4),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
    )
    return nn.Sequential(OrderedDict(features=features, classifier=nn.Linear(16, 10)))


def save(path, a, dtype=np.float32):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, np.array(a, dtype=dtype, order="C"))  # keeps 0-d arrays 0-d


def go_layout(name, t):
    t = t.detach().cpu()
    if name == "features.7.weight":
        t = t.reshape(1, -1, 1, 1)
    return t.to(torch.float32).numpy()


def save_state(d, sd):
    for name, t in sd.items():
        save(os.path.join(d, name + ".npy"), go_layout(name, t))


def sgd():
    d = os.path.join(ROOT, "sgd")
    torch.manual_seed(0)
    m = model()
    x = torch.randn(8, 1, 12, 12)
    labels = torch.randint(0, 10, (8,))
    save(os.path.join(d, "x.npy"), x.numpy())
    save(os.path.join(d, "labels.npy"), labels.numpy())
    save_state(os.path.join(d, "init"), m.state_dict())

    opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    m.train()
    losses = []
    for step in range(10):
        opt.zero_grad()
        loss = F.cross_entropy(m(x), labels, label_smoothing=0.1)
        loss.backward()
        if step == 0:
            for name, p in m.named_parameters():
                save(os.path.join(d, "grad0", name + ".npy"), go_layout(name, p.grad))
        opt.step()
        losses.append(loss.item())
    save(os.path.join(d, "losses.npy"), losses, np.float64)
    save_state(os.path.join(d, "final"), m.state_dict())
    m.eval()
    with torch.no_grad():
        save(os.path.join(d, "eval_logits.npy"), m(x).numpy())
    print("sgd losses:", " ".join("%.6f" % v for v in losses))


POOLS = OrderedDict(
    max_k3s2p1=lambda: nn.MaxPool2d(3, 2, 1),
    max_k2s2_ceil=lambda: nn.MaxPool2d(2, 2, ceil_mode=True),
    max_k3s2_ceil=lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True),
    avg_k3s2p1=lambda: nn.AvgPool2d(3, 2, 1),
    avg_k3s2p1_ceil=lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True),
    avg_k3s2p1_excl_ceil=lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
    avg_k2s2_ceil=lambda: nn.AvgPool2d(2, 2, ceil_mode=True),
    gap=lambda: nn.AdaptiveAvgPool2d(1),
)


def pool():
    d = os.path.join(ROOT, "pool")
    torch.manual_seed(1)
    x = torch.randn(2, 3, 7, 6)
    save(os.path.join(d, "x.npy"), x.numpy())
    for name, make in POOLS.items():
        xx = x.clone().requires_grad_(True)
        y = make()(xx)
        dy = torch.randn_like(y)
        y.backward(dy)
        save(os.path.join(d, name + "_y.npy"), y.detach().numpy())
        save(os.path.join(d, name + "_dy.npy"), dy.numpy())
        save(os.path.join(d, name + "_dx.npy"), xx.grad.numpy())


def main():
    torch.set_num_threads(1)
    for sub in ("sgd", "pool"):  # regenerate from scratch, keep README.md
        if os.path.isdir(os.path.join(ROOT, sub)):
            shutil.rmtree(os.path.join(ROOT, sub))
    sgd()
    pool()
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(ROOT) for f in fs)
    print("wrote %s (%d bytes)" % (os.path.normpath(ROOT), total))


if __name__ == "__main__":
    main()
