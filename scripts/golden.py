# Usage: /usr/bin/python3 scripts/golden.py [--out testdata/golden]
#
# Dev-only generator of convkit's PyTorch golden data (run with Debian's
# /usr/bin/python3, which has torch 1.13 and numpy; not the pyenv python3 on
# PATH). Nothing in the Go build or tests needs Python: the output is
# committed and read by conv/golden_test.go.
#
# For every configuration below it draws, in float64 and from a generator
# seeded by the case name (so adding a case does not change the others):
# the input x, the parameters (w, b, or w and w2 for DWSChannelWise), and a
# random upstream gradient dy; it computes y = op(x, params) with PyTorch and
# the vector-Jacobian products dx, dw, db (= dy·∂y/∂·) with autograd, and
# writes testdata/golden/<case>/{x,w,b,w2,dy,y,dx,dw,db,dw2}.npy ('<f8', C
# order; only the files the op has) plus testdata/golden/cases.json, which
# lists every case with its op kind, the Go spec fields, the input shape,
# the parameter file stems in the order of the Go spec's Params() (the
# gradient of stem s is d<s>.npy) and a short description.
#
# Weights are saved in the Go layout: Conv2d weights as PyTorch's
# [out, in/groups, kh, kw]; the channel-wise family's Conv3d weight
# [F, 1, dc, kh, kw] with the input-channel axis dropped → [F, dc, kh, kw].
#
# The ops are expressed with PyTorch primitives, independently of convkit:
# F.conv2d (symmetric padding by torch itself, asymmetric by F.pad first,
# 'same'/'valid' by torch's string padding), channel shuffle by
# view/transpose (checked against nn.ChannelShuffle), and the ChannelNets
# ops by F.conv3d on x.unsqueeze(1) with F.pad along the channel axis.
import argparse
import json
import math
import os
import shutil
import sys
import warnings
import zlib

import numpy as np
import torch
import torch.nn.functional as F

BASE_SEED = 20240601

# Expected: the even-kernel 'same' cases are exactly what we test.
warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")
DT = torch.float64


def rng(name):
    return torch.Generator().manual_seed(BASE_SEED + zlib.crc32(name.encode()))


def randn(g, *shape, scale=1.0):
    return torch.randn(*shape, generator=g, dtype=DT) * scale


def check(cond, msg):
    if not cond:
        sys.exit("golden.py: check failed: " + msg)


def close(a, b):
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------- conv2d


def conv2d_case(name, desc, n, c, h, w, out, kh, kw, stride=(1, 1),
                dilation=(1, 1), pad=(0, 0, 0, 0), groups=1, bias=False):
    """pad: (top, bottom, left, right), or 'same' / 'valid'."""
    g = rng(name)
    x = randn(g, n, c, h, w)
    wt = randn(g, out, c // groups, kh, kw, scale=1 / math.sqrt(c // groups * kh * kw))
    b = randn(g, out) if bias else None
    notes = []

    def fwd(x, wt, b=None):
        if isinstance(pad, str):
            return F.conv2d(x, wt, b, stride=stride, padding=pad, dilation=dilation, groups=groups)
        t, bo, l, r = pad
        if t == bo and l == r:  # torch's own symmetric padding
            return F.conv2d(x, wt, b, stride=stride, padding=(t, l), dilation=dilation, groups=groups)
        return F.conv2d(F.pad(x, (l, r, t, bo)), wt, b, stride=stride, dilation=dilation, groups=groups)

    if pad == "same":
        # Verify torch 1.13's 'same' puts the odd padding element at the
        # end (bottom/right), and that putting it at the start would differ.
        th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
        want = F.conv2d(F.pad(x, (tw // 2, tw - tw // 2, th // 2, th - th // 2)), wt, b,
                        dilation=dilation, groups=groups)
        check(close(fwd(x, wt, b), want), name + ": padding='same' is not 'extra at the end'")
        if th % 2 or tw % 2:
            alt = F.conv2d(F.pad(x, (tw - tw // 2, tw // 2, th - th // 2, th // 2)), wt, b,
                           dilation=dilation, groups=groups)
            check(not close(alt, want), name + ": 'same' check does not discriminate")
            notes.append("torch 'same' = extra pad at bottom/right (verified)")
    spec = {"op": "conv2d", "in": c, "out": out, "kernel_h": kh, "kernel_w": kw,
            "stride_h": stride[0], "stride_w": stride[1],
            "dilation_h": dilation[0], "dilation_w": dilation[1],
            "pad": pad if isinstance(pad, str) else list(pad),
            "groups": groups, "bias": bias}
    params = [("w", wt)] + ([("b", b)] if bias else [])
    return finish(name, desc, spec, g, x, params, fwd, notes)


# ---------------------------------------------------------------- shuffle


def shuffle(x, groups):
    n, c, h, w = x.shape
    return x.reshape(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


def unshuffle(x, groups):
    n, c, h, w = x.shape
    return x.reshape(n, c // groups, groups, h, w).transpose(1, 2).reshape(n, c, h, w)


def shuffle_case(name, desc, n, c, h, w, groups, inverse=False):
    g = rng(name)
    x = randn(g, n, c, h, w)
    notes = []
    if not inverse:
        check(torch.equal(shuffle(x, groups), torch.nn.ChannelShuffle(groups)(x)),
              name + ": view/transpose shuffle differs from nn.ChannelShuffle")
        notes.append("= nn.ChannelShuffle")
    check(torch.equal(unshuffle(shuffle(x, groups), groups), x), name + ": unshuffle is not the inverse")
    check(torch.equal(unshuffle(x, groups), shuffle(x, c // groups)), name + ": unshuffle(g) != shuffle(C/g)")
    fwd = (lambda x: unshuffle(x, groups)) if inverse else (lambda x: shuffle(x, groups))
    perm = fwd(torch.arange(c, dtype=DT).reshape(1, c, 1, 1)).flatten().long().tolist()
    notes.append("perm %s" % perm)
    spec = {"op": "shuffle", "groups": groups, "inverse": inverse}
    return finish(name, desc, spec, g, x, [], fwd, notes)


# ---------------------------------------------------------------- channel-wise family


def chan_conv(x, w3, stride, front, back):
    """x [N,C,H,W], w3 [F,1,dc,kh,kw] → [N, F·D, OH, OW] (filter-major)."""
    v = F.pad(x.unsqueeze(1), (0, 0, 0, 0, front, back))
    y = F.conv3d(v, w3, stride=(stride, 1, 1))
    n, f, d, oh, ow = y.shape
    return y.reshape(n, f * d, oh, ow)


def tf_same(c, k, s):
    """TensorFlow SAME along one axis: (front, back), the odd element at the back."""
    out = -(-c // s)
    total = max((out - 1) * s + k - c, 0)
    return total // 2, total - total // 2


def channelwise_case(name, desc, n, c, h, w, dc, stride, pad):
    """pad: 'same' (TF SAME) or (front, back)."""
    g = rng(name)
    x = randn(g, n, c, h, w)
    w3 = randn(g, 1, 1, dc, 1, 1, scale=1 / math.sqrt(dc))
    front, back = tf_same(c, dc, stride) if pad == "same" else pad
    notes = ["channel pad (%d,%d)" % (front, back)]
    fwd = lambda x, w3: chan_conv(x, w3, stride, front, back)
    if pad == "same" and stride == 1:
        # Cross-check TF SAME against torch's own conv3d padding='same'.
        ys = F.conv3d(x.unsqueeze(1), w3, padding="same")
        check(close(fwd(x, w3), ys.reshape(fwd(x, w3).shape)), name + ": TF SAME != torch conv3d 'same'")
        notes.append("= torch conv3d 'same'")
    spec = {"op": "channelwise", "in": c, "kernel": dc, "stride": stride,
            "pad": pad if isinstance(pad, str) else list(pad)}
    return finish(name, desc, spec, g, x, [("w", w3)], fwd, notes)


def gcw_case(name, desc, n, c, h, w, out, groups, dc):
    g = rng(name)
    x = randn(g, n, c, h, w)
    w3 = randn(g, groups, 1, dc, 1, 1, scale=1 / math.sqrt(dc))
    total = (out // groups - 1) * groups + dc - c
    check(total >= 0, name + ": configuration needs negative padding")
    front, back = total // 2, total - total // 2
    fwd = lambda x, w3: chan_conv(x, w3, groups, front, back)
    y = fwd(x, w3)
    check(y.shape[1] == out, name + ": conv3d gives %d channels, want %d" % (y.shape[1], out))
    if out == c:
        check((front, back) == tf_same(c, dc, groups), name + ": padding is not TF SAME")
    notes = ["channel pad (%d,%d)" % (front, back)]
    spec = {"op": "groupchannelwise", "in": c, "out": out, "groups": groups, "kernel": dc}
    return finish(name, desc, spec, g, x, [("w", w3)], fwd, notes)


def dws_case(name, desc, n, c, h, w, k, stride, pad, dc):
    """pad: (top, bottom, left, right) or 'same'."""
    g = rng(name)
    x = randn(g, n, c, h, w)
    wd = randn(g, c, 1, k, k, scale=1 / k)
    w3 = randn(g, 1, 1, dc, 1, 1, scale=1 / math.sqrt(dc))
    front, back = tf_same(c, dc, 1)

    def fwd(x, wd, w3):
        if pad == "same":
            mid = F.conv2d(x, wd, stride=stride, padding="same", groups=c)
        else:
            t, b, l, r = pad
            mid = F.conv2d(F.pad(x, (l, r, t, b)), wd, stride=stride, groups=c)
        return chan_conv(mid, w3, 1, front, back)

    spec = {"op": "dwschannelwise", "in": c, "kernel": k, "stride": stride,
            "pad": pad if isinstance(pad, str) else list(pad), "chan_kernel": dc}
    return finish(name, desc, spec, g, x, [("w", wd), ("w2", w3)], fwd,
                  ["channel pad (%d,%d)" % (front, back)])


def classifier_case(name, desc, n, c, classes, size):
    g = rng(name)
    x = randn(g, n, c, size, size)
    dc = c - classes + 1
    w3 = randn(g, 1, 1, dc, size, size, scale=1 / math.sqrt(dc * size * size))
    fwd = lambda x, w3: F.conv3d(x.unsqueeze(1), w3).reshape(n, classes, 1, 1)  # VALID
    spec = {"op": "classifier", "in": c, "classes": classes, "size": size}
    return finish(name, desc, spec, g, x, [("w", w3)], fwd, ["d_c=%d" % dc])


# ---------------------------------------------------------------- common


def go_layout(stem, t):
    # Channel-wise family weights: Conv3d [F,1,dc,kh,kw] → Go [F,dc,kh,kw].
    return t[:, 0] if t.dim() == 5 else t


def finish(name, desc, spec, g, x, params, fwd, notes):
    x = x.clone().requires_grad_(True)
    ps = [p.clone().requires_grad_(True) for _, p in params]
    y = fwd(x, *ps)
    dy = randn(g, *y.shape)
    grads = torch.autograd.grad(y, [x] + ps, dy)
    files = {"x": x, "dy": dy, "y": y, "dx": grads[0]}
    for (stem, _), p, gp in zip(params, ps, grads[1:]):
        files[stem] = go_layout(stem, p)
        files["d" + stem] = go_layout(stem, gp)
    for k, v in files.items():
        check(torch.isfinite(v).all().item(), "%s: %s is not finite" % (name, k))
    case = {"name": name, **spec, "input": list(x.shape), "params": [s for s, _ in params],
            "description": desc}
    return case, {k: v.detach().numpy() for k, v in files.items()}, list(y.shape), notes


def cases():
    c2 = conv2d_case
    yield c2("conv2d_basic", "3→4 3x3 pad 1, bias, odd 7x5", 2, 3, 7, 5, 4, 3, 3, pad=(1, 1, 1, 1), bias=True)
    yield c2("conv2d_nobias", "3→4 3x3 pad 1, no bias", 2, 3, 6, 6, 4, 3, 3, pad=(1, 1, 1, 1))
    yield c2("conv2d_groups2", "6→4 3x3 groups 2, pad 1, bias", 2, 6, 5, 5, 4, 3, 3, pad=(1, 1, 1, 1), groups=2, bias=True)
    yield c2("conv2d_groups3", "9→6 3x3 groups 3, valid via 0 pad, odd 9x11", 1, 9, 9, 11, 6, 3, 3, groups=3)
    yield c2("conv2d_depthwise", "depthwise 6 ch 3x3 pad 1 (groups=C), bias", 2, 6, 5, 7, 6, 3, 3, pad=(1, 1, 1, 1), groups=6, bias=True)
    yield c2("conv2d_depthmult2", "depth multiplier 2: 3→6 groups 3, 3x3 pad 1", 2, 3, 6, 5, 6, 3, 3, pad=(1, 1, 1, 1), groups=3)
    yield c2("conv2d_depthmult2_s2_tfpad", "depth multiplier 2: 3→6 groups 3, 3x3 stride 2, pad t0 b1 l0 r1 (TF SAME at stride 2), 8x8",
             1, 3, 8, 8, 6, 3, 3, stride=(2, 2), pad=(0, 1, 0, 1), groups=3)
    yield c2("conv2d_dilation2", "3→4 3x3 dilation 2, pad 2, 9x11", 1, 3, 9, 11, 4, 3, 3, dilation=(2, 2), pad=(2, 2, 2, 2), bias=True)
    yield c2("conv2d_dilation_mixed", "3→2 3x3 dilation 2x1, pad (1,1), 7x5", 1, 3, 7, 5, 2, 3, 3, dilation=(2, 1), pad=(1, 1, 1, 1))
    yield c2("conv2d_stride2_even", "3→4 3x3 stride 2 pad 1, even 8x8", 2, 3, 8, 8, 4, 3, 3, stride=(2, 2), pad=(1, 1, 1, 1), bias=True)
    yield c2("conv2d_stride2_odd", "3→4 3x3 stride 2 pad 1, odd 7x5", 2, 3, 7, 5, 4, 3, 3, stride=(2, 2), pad=(1, 1, 1, 1))
    yield c2("conv2d_stride2_odd_nopad", "3→3 3x3 stride 2 no pad, odd 9x11 (last row/col dropped by floor)", 1, 3, 9, 11, 3, 3, 3, stride=(2, 2))
    yield c2("conv2d_stride_mixed", "3→2 3x3 stride 2x1 pad 1, 7x5", 1, 3, 7, 5, 2, 3, 3, stride=(2, 1), pad=(1, 1, 1, 1))
    yield c2("conv2d_asympad", "3→4 3x3 asymmetric pad t1 b2 l0 r3, 7x5", 2, 3, 7, 5, 4, 3, 3, pad=(1, 2, 0, 3), bias=True)
    yield c2("conv2d_asympad_s2_d2", "6→6 3x3 stride 2 dilation 2 groups 2, pad t0 b1 l2 r1, 9x11", 1, 6, 9, 11, 6, 3, 3,
             stride=(2, 2), dilation=(2, 2), pad=(0, 1, 2, 1), groups=2)
    yield c2("conv2d_same_k3", "3→4 3x3 padding 'same', 7x5", 1, 3, 7, 5, 4, 3, 3, pad="same", bias=True)
    yield c2("conv2d_same_k4", "3→4 4x4 padding 'same' (even kernel: pad 1 top/left, 2 bottom/right), 7x5", 2, 3, 7, 5, 4, 4, 4, pad="same")
    yield c2("conv2d_same_k2", "6→3 2x2 padding 'same' (pad 0 top/left, 1 bottom/right), 5x6", 1, 6, 5, 6, 3, 2, 2, pad="same", bias=True)
    yield c2("conv2d_same_k2x3_dw", "depthwise 3 ch 2x3 'same', 6x5", 1, 3, 6, 5, 3, 2, 3, pad="same", groups=3)
    yield c2("conv2d_same_k2_d3", "3→2 2x2 dilation 3 'same' (total pad 3: 1 before, 2 after), 7x5", 1, 3, 7, 5, 2, 2, 2, dilation=(3, 3), pad="same")
    yield c2("conv2d_valid", "3→4 3x3 padding 'valid', 7x5", 2, 3, 7, 5, 4, 3, 3, pad="valid", bias=True)
    yield c2("conv2d_rect_3x1", "6→4 3x1 pad (1,0), 7x5", 1, 6, 7, 5, 4, 3, 1, pad=(1, 1, 0, 0), bias=True)
    yield c2("conv2d_rect_1x5", "3→3 1x5 pad (0,2), 5x9", 1, 3, 5, 9, 3, 1, 5, pad=(0, 0, 2, 2))
    yield c2("conv2d_pointwise", "1x1 pointwise 6→9, bias", 2, 6, 5, 4, 9, 1, 1, bias=True)
    yield c2("conv2d_pointwise_g3", "1x1 group conv 12→6 groups 3 (ShuffleNet GConv)", 2, 12, 3, 4, 6, 1, 1, groups=3)
    yield c2("conv2d_batch3", "batch 3, 3→6 3x3 pad 1, bias, 5x5", 3, 3, 5, 5, 6, 3, 3, pad=(1, 1, 1, 1), bias=True)
    yield c2("conv2d_dw_k5_s2", "depthwise 6 ch 5x5 stride 2 pad 2, odd 9x7", 1, 6, 9, 7, 6, 5, 5, stride=(2, 2), pad=(2, 2, 2, 2), groups=6)
    yield c2("conv2d_kernel_gt_input", "3→2 5x5 pad 2 on a 3x2 map (kernel larger than the input)", 1, 3, 3, 2, 2, 5, 5, pad=(2, 2, 2, 2), bias=True)
    yield c2("conv2d_1x1_map", "9→3 3x3 pad 1 on a 1x1 map", 2, 9, 1, 1, 3, 3, 3, pad=(1, 1, 1, 1))

    yield shuffle_case("shuffle_c6_g2", "shuffle C=6 groups 2 → [0 3 1 4 2 5]", 2, 6, 2, 3, 2)
    yield shuffle_case("shuffle_c6_g3", "shuffle C=6 groups 3 → [0 2 4 1 3 5]", 1, 6, 3, 2, 3)
    yield shuffle_case("shuffle_c12_g3", "shuffle C=12 groups 3", 2, 12, 2, 2, 3)
    yield shuffle_case("unshuffle_c6_g2", "inverse shuffle C=6 groups 2", 2, 6, 2, 3, 2, inverse=True)
    yield shuffle_case("unshuffle_c12_g3", "inverse shuffle C=12 groups 3", 1, 12, 2, 2, 3, inverse=True)

    yield channelwise_case("cw_dc3_same", "channel-wise d_c=3 stride 1 SAME, 8 ch", 2, 8, 3, 3, 3, 1, "same")
    yield channelwise_case("cw_dc4_same", "channel-wise d_c=4 stride 1 SAME (pad 1 front, 2 back), 6 ch", 2, 6, 3, 2, 4, 1, "same")
    yield channelwise_case("cw_dc3_s2_pad12", "channel-wise d_c=3 stride 2, explicit pad (1,2), 9 ch", 1, 9, 2, 3, 3, 2, (1, 2))
    yield channelwise_case("cw_dc3_nopad", "channel-wise d_c=3 stride 1, no padding, 7 ch → 5", 2, 7, 2, 2, 3, 1, (0, 0))
    yield channelwise_case("cw_dc4_s3_same", "channel-wise d_c=4 stride 3 SAME (10 ch → 4, pad 1 front, 2 back)", 1, 10, 2, 2, 4, 3, "same")
    yield channelwise_case("cw_dc2_s3_same_nopad", "channel-wise d_c=2 stride 3 SAME, 9 ch → 3 (TF total pad max(−1,0)=0)", 1, 9, 2, 1, 2, 3, "same")

    yield gcw_case("gcw_in8_g2_dc8", "group channel-wise In=Out=8 g=2 d_c=8 (ChannelNets g=2, d_c=4g)", 2, 8, 3, 3, 8, 2, 8)
    yield gcw_case("gcw_in12_g3_dc5", "group channel-wise In=Out=12 g=3 d_c=5", 1, 12, 2, 3, 12, 3, 5)
    yield gcw_case("gcw_in8_out4_g2_dc6", "group channel-wise In=8 Out=4 g=2 d_c=6 (no padding)", 2, 8, 2, 2, 4, 2, 6)
    yield gcw_case("gcw_in8_out4_g2_dc7", "group channel-wise In=8 Out=4 g=2 d_c=7 (odd total pad: 0 front, 1 back)", 1, 8, 2, 2, 4, 2, 7)

    yield dws_case("dws_k3_dc3", "DWS channel-wise: depthwise 3x3 pad 1 then channel-wise d_c=3 SAME, 6 ch", 2, 6, 5, 4, 3, 1, (1, 1, 1, 1), 3)
    yield dws_case("dws_k3_s2_dc4", "DWS channel-wise: depthwise 3x3 stride 2 pad 1, d_c=4 SAME, 8 ch, odd 7x7", 1, 8, 7, 7, 3, 2, (1, 1, 1, 1), 4)
    yield dws_case("dws_k4_same_dc5", "DWS channel-wise: depthwise 4x4 'same', d_c=5 SAME, 6 ch", 1, 6, 5, 5, 4, 1, "same", 5)

    yield classifier_case("ccl_in12_c10_s3", "CCL 12 ch → 10 classes at 3x3 (d_c=3)", 2, 12, 10, 3)
    yield classifier_case("ccl_in10_c10_s2", "CCL 10 ch → 10 classes at 2x2 (d_c=1)", 2, 10, 10, 2)
    yield classifier_case("ccl_in16_c10_s1", "CCL 16 ch → 10 classes at 1x1 (d_c=7, a 1-D conv of the channel vector)", 2, 16, 10, 1)


def main():
    ap = argparse.ArgumentParser(description="Write convkit's PyTorch golden data.")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "golden"))
    args = ap.parse_args()
    out = os.path.normpath(args.out)
    print("torch %s, numpy %s, seed %d → %s" % (torch.__version__, np.__version__, BASE_SEED, out))
    os.makedirs(out, exist_ok=True)
    # Remove stale case directories (those holding an x.npy) and the index.
    for e in os.listdir(out):
        p = os.path.join(out, e)
        if os.path.isdir(p) and os.path.exists(os.path.join(p, "x.npy")):
            shutil.rmtree(p)
    index, total, per_op = [], 0, {}
    for case, arrays, yshape, notes in cases():
        name = case["name"]
        check(name not in {c["name"] for c in index}, "duplicate case " + name)
        d = os.path.join(out, name)
        os.makedirs(d)
        for stem, a in arrays.items():
            a = np.ascontiguousarray(a, dtype="<f8")
            np.save(os.path.join(d, stem + ".npy"), a)
            total += os.path.getsize(os.path.join(d, stem + ".npy"))
        index.append(case)
        per_op[case["op"]] = per_op.get(case["op"], 0) + 1
        print("  %-28s %-16s x%-15s → y%-15s |y|max %.3g  %s" % (
            name, case["op"], case["input"], yshape, float(np.abs(arrays["y"]).max()), "; ".join(notes)))
    with open(os.path.join(out, "cases.json"), "w", encoding="utf-8") as f:
        # One case per line: easy to read and to diff.
        f.write('{"generator": "scripts/golden.py", "torch": %s, "seed": %d, "cases": [\n' % (
            json.dumps(torch.__version__), BASE_SEED))
        f.write(",\n".join(" " + json.dumps(c, ensure_ascii=False) for c in index))
        f.write("\n]}\n")
    print("%d cases (%s), %d .npy bytes" % (
        len(index), ", ".join("%s %d" % kv for kv in per_op.items()), total))


if __name__ == "__main__":
    main()
