"""Merge step of scripts/bench_compare.sh: one markdown table of convkit against its peers per op config.

  bench_merge.py --convkit a.json [b.json ...] [--torch t.jsonl ...] [--ort o.jsonl ...]

--convkit files are the JSON arrays of `convkit bench ops --json`; --torch and --ort files are the JSON
lines of scripts/bench_torch.py and scripts/bench_ort.js. A configuration is (op, pass, batch, threads).
Each engine's time for it is the best (lowest) median over its rounds, since the rounds are interleaved
to share out the machine's disturbances fairly. The ratio is convkit's time over the best peer's; the
anchors found medians move 10 to 30 % between quiet runs, so ratios within 0.8 to 1.25 are called par.
"""
import argparse
import json

NOISE = 1.25  # RESULTS.md: "treat differences under about 25 % as noise"
SUSPECT_LOAD = 0.3  # benchutil.py: numbers taken with other_load above ~0.3 are contaminated


def key(r):
    return (r["op"], r.get("pass") or r.get("mode") or "fwd", int(r["batch"]), int(r["threads"]))


def best(records, ms_field):
    """The record with the lowest median per configuration, its median in ms under 'ms'."""
    out = {}
    for r in records:
        k = key(r)
        ms = float(r[ms_field])
        if k not in out or ms < out[k]["ms"]:
            out[k] = dict(r, ms=ms)
    return out


def load_json_array(paths):
    recs = []
    for p in paths:
        with open(p) as f:
            recs.extend(json.load(f))
    return recs


def load_json_lines(paths):
    recs = []
    for p in paths:
        with open(p) as f:
            recs.extend(json.loads(line) for line in f if line.strip())
    return recs


def fmt(ms):
    """Three significant digits, as `convkit bench ops` prints them."""
    if ms is None:
        return "-"
    if ms >= 100:
        return "%.0f" % ms
    if ms >= 10:
        return "%.1f" % ms
    if ms >= 1:
        return "%.2f" % ms
    if ms >= 0.1:
        return "%.3f" % ms
    return "%.3g" % ms


def verdict(ratio):
    if ratio is None:
        return "no peer"
    if ratio <= 1 / NOISE:
        return "faster"
    if ratio < NOISE:
        return "par"
    return "slower"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--convkit", nargs="+", required=True)
    ap.add_argument("--torch", nargs="*", default=[])
    ap.add_argument("--ort", nargs="*", default=[])
    a = ap.parse_args()

    ck_recs = load_json_array(a.convkit)
    ck = best(ck_recs, "median_ms")
    th = best(load_json_lines(a.torch), "median")
    ox = best(load_json_lines(a.ort), "median")
    order = []
    for r in ck_recs + [v for v in th.values()] + [v for v in ox.values()]:
        if key(r) not in order:
            order.append(key(r))

    print("| op | pass | batch | threads | convkit algorithm | convkit ms | torch tuned ms | ORT ms "
          "| convkit / best peer | verdict |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    suspect = False
    counts = {}
    for k in order:
        c, t, o = ck.get(k), th.get(k), ox.get(k)
        peers = [r["ms"] for r in (t, o) if r]
        ratio = c["ms"] / min(peers) if c and peers else None
        v = verdict(ratio)
        counts[v] = counts.get(v, 0) + 1
        loads = [r.get("other_load") for r in (c, t, o) if r and r.get("other_load") is not None]
        mark = ""
        if loads and max(loads) > SUSPECT_LOAD:
            mark, suspect = " *", True
        print("| %s | %s | %d | %d | %s | %s | %s | %s | %s | %s%s |" % (
            k[0], k[1], k[2], k[3], c["algorithm"] if c else "-", fmt(c and c["ms"]), fmt(t and t["ms"]),
            fmt(o and o["ms"]), "%.2f" % ratio if ratio is not None else "-", v, mark))
    print()
    print("Times are the best median (ms) over the rounds. Verdict: faster if convkit / best peer <= %.2f, "
          "par below %.2f, slower above." % (1 / NOISE, NOISE))
    print("Summary: " + ", ".join("%d %s" % (n, v) for v, n in sorted(counts.items())))
    if suspect:
        print("* other processes used more than %.1f cores while one of the engines was timed: rerun on a "
              "quiet machine before trusting that row." % SUSPECT_LOAD)
    engines = sorted({r.get("engine", "") for r in list(th.values()) + list(ox.values())} - {""})
    if engines:
        print("Peers: " + "; ".join(engines) + ".")
    if any(r.get("blas") != "openblas" or r.get("malloc") != "tuned" for r in th.values()):
        print("WARNING: some torch records are not the tuned configuration (OpenBLAS + GLIBC_TUNABLES): "
              "see their blas and malloc fields.")


if __name__ == "__main__":
    main()
