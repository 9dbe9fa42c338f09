"""PyTorch side of scripts/bench_compare.sh (dev-only; run it with /usr/bin/python3).

Times the operators of the anchors' ops.py (imported from --anchors, so the modules, input shapes and
MAC formulas are the anchors' own) exactly as ops.py does -- benchutil.timeit(runs=20, warmup=3,
min_time=0.3) under no_grad for the forward pass, timeit(step, runs=20, warmup=3) for forward+backward --
but only for the selected operators, batches and thread counts, and writes one JSON object per line to
--out. Run it under the environment of the configuration to measure (the anchors' "tuned" one:
LD_LIBRARY_PATH=OpenBLAS, GLIBC_TUNABLES=mmap/trim threshold); every record says which BLAS and malloc
setting it saw.

  bench_torch.py --anchors DIR --out FILE [--only S1,DW2] [--batch 1,8] [--threads 1,2]
                 [--pass fwd|fwd+bwd|both] [--max-wait 240] [--tries 4]
  bench_torch.py --anchors DIR --export-onnx OUTDIR [--only S1,DW2]

Defaults are ops.py's: every operator forward at batch 1 and 8 with 1 and 2 threads; forward+backward
for ops.py's BWD set at batch 8 with 2 threads. --only, --batch and --threads, when given, replace the
respective defaults of both passes (as `convkit bench ops` does). --max-wait and --tries bound the
quiet-gating (benchutil.wait_quiet's max_wait, timeit's tries) so that a busy machine cannot stall a
run for long; the anchors' values are 240 s and 4.

--export-onnx writes op_<NAME>.onnx for the selected operators and a manifest.json in the format of
the anchors' export_onnx.py (opset 13, dynamic batch axis) for scripts/bench_ort.js.
"""
import argparse
import functools
import json
import os
import sys


def ints(s):
    return [int(v) for v in s.split(",") if v.strip()]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--anchors", required=True, help="directory holding ops.py and benchutil.py")
    ap.add_argument("--out", help="JSON-lines file to append the records to")
    ap.add_argument("--only", help="operators, comma-separated (default all)")
    ap.add_argument("--batch", type=ints, help="batch sizes, comma-separated")
    ap.add_argument("--threads", type=ints, help="thread counts, comma-separated")
    ap.add_argument("--pass", dest="passes", default="both", choices=["fwd", "fwd+bwd", "both"])
    ap.add_argument("--max-wait", type=float, default=240.0, help="most seconds to wait for a quiet machine")
    ap.add_argument("--tries", type=int, default=4, help="timed loops to try on a disturbed machine")
    ap.add_argument("--export-onnx", metavar="OUTDIR", help="export ONNX graphs instead of timing")
    a = ap.parse_args()

    sys.path.insert(0, os.path.abspath(a.anchors))
    import torch  # noqa: E402  (after the path is set: ops.py imports benchutil)
    import benchutil  # noqa: E402
    import ops  # noqa: E402

    names = list(ops.OPS)
    if a.only is not None:
        want = {n.strip().lower() for n in a.only.split(",") if n.strip()}
        unknown = want - {n.lower() for n in names}
        if unknown or not want:
            sys.exit("bench_torch.py: unknown or no operators %s (have %s)" % (sorted(unknown), ", ".join(names)))
        names = [n for n in names if n.lower() in want]

    if a.export_onnx:
        export(torch, ops, names, a.export_onnx)
        return
    if not a.out:
        sys.exit("bench_torch.py: --out is required for timing")

    benchutil.wait_quiet = functools.partial(benchutil.wait_quiet, max_wait=a.max_wait)
    timeit = functools.partial(benchutil.timeit, tries=max(a.tries, 1))
    cfg = benchutil.config()
    out = open(a.out, "a")

    def emit(rec):
        rec["engine"] = "torch %s %s/%s" % (torch.__version__, rec["blas"], rec["malloc"])
        out.write(json.dumps(rec) + "\n")
        out.flush()
        print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in rec.items()
               if k in ("op", "pass", "batch", "threads", "median", "other_load")}, file=sys.stderr)

    if a.passes in ("fwd", "both"):
        with torch.no_grad():
            for threads in a.threads or [1, 2]:
                torch.set_num_threads(threads)
                for batch in a.batch or [1, 8]:
                    for name in names:
                        m, chw, macs, note = ops.OPS[name]
                        m.eval()
                        x = torch.randn(batch, *chw)
                        r = timeit(lambda: m(x), runs=20, warmup=3, min_time=0.3)
                        rec = dict(op=name, mode="fwd", **{"pass": "fwd"}, **cfg, batch=batch, threads=threads,
                                   macs=macs * batch, backend=ops.backend(m, x), note=note, **r)
                        if name == "CS":
                            rec["bytes"] = 2 * x.numel() * 4
                            rec["gbps"] = rec["bytes"] / r["median"] * 1e-6
                        else:
                            rec["gflops"] = 2 * macs * batch / r["median"] * 1e-6
                        emit(rec)

    if a.passes in ("fwd+bwd", "both"):
        bwd = names if a.only is not None else [n for n in ops.BWD if n in names]
        for threads in a.threads or [2]:
            torch.set_num_threads(threads)
            for batch in a.batch or [8]:
                for name in bwd:
                    m, chw, macs, note = ops.OPS[name]
                    x = torch.randn(batch, *chw, requires_grad=True)
                    m.requires_grad_(True)
                    be = ops.backend(m, x)

                    def step():
                        m.zero_grad(set_to_none=True)
                        x.grad = None
                        m(x).sum().backward()
                    r = timeit(step, runs=20, warmup=3)
                    rec = dict(op=name, mode="fwd+bwd", **{"pass": "fwd+bwd"}, **cfg, batch=batch, threads=threads,
                               macs=3 * macs * batch, backend=be, note=note, **r)
                    if name == "CS":
                        rec["bytes"] = 2 * 2 * x.numel() * 4
                        rec["gbps"] = rec["bytes"] / r["median"] * 1e-6
                    else:
                        rec["gflops"] = 2 * 3 * macs * batch / r["median"] * 1e-6
                    emit(rec)
    out.close()


def export(torch, ops, names, outdir):
    """As the anchors' export_onnx.py, for the operators only."""
    os.makedirs(outdir, exist_ok=True)
    torch.manual_seed(0)
    manifest = []
    for name in names:
        m, chw, macs, note = ops.OPS[name]
        path = os.path.join(outdir, "op_%s.onnx" % name)
        torch.onnx.export(m.eval(), torch.randn(1, *chw), path, opset_version=13, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}},
                          do_constant_folding=True)
        manifest.append(dict(name="op_" + name, file="op_%s.onnx" % name, chw=list(chw), macs_per_image=macs))
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("exported %d graphs to %s" % (len(names), outdir), file=sys.stderr)


if __name__ == "__main__":
    main()
