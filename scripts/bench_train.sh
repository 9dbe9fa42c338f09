#!/usr/bin/env bash
# Training throughput of convkit against tuned PyTorch (OpenBLAS + GLIBC_TUNABLES, as the anchors' run_tuned.sh)
# on THIS machine: images/s of whole SGD steps (forward, cross-entropy, backward, SGD with momentum) on the
# networks of the anchors' train.py, and a markdown table of the ratios.
#
#   scripts/bench_train.sh [--net std,dws] [--batch 64] [--threads 2] [--rounds 2] [--max-wait 240]
#                          [--tries 4] [--convkit BIN] [--out DIR]
#
# convkit runs "convkit bench train"; PyTorch runs train.py's own network definitions (NETS, MACS) and timing
# (benchutil.timeit, runs=30, warmup=5, min_time=1.0) through a small wrapper, for the requested nets and
# thread counts only (train.py itself always runs threads 2 and 1). --net takes std and dws, and for convkit
# also zoo model names, which get no PyTorch column.
#
# Fairness: the engines run interleaved -- convkit, torch, then again, --rounds times -- and each configuration
# keeps each engine's best median, so a burst of load on the (shared, 2-core) machine hurts no engine alone.
# The table also gives the ratio of each round's pair (taken seconds apart), its median and range over the
# rounds: this machine's speed drifts by ±20 % over minutes, so with --rounds 8 or more that median is the
# steadier figure.
# Both wait for a quiet machine before each timing (up to --max-wait seconds, --tries timed loops, like
# benchutil.py) and record the foreign load (LOAD columns; above 0.3 a timing is suspect).
#
# Environment: ANCHORS (default ../shared/anchors from the repository root) is the anchors folder; it is copied
# to a temporary directory and never written to. PYTHON (default /usr/bin/python3, Debian's python3-torch,
# installed with apt if missing). OPENBLAS_DIR (default /tmp/openblas, filled by the anchors' get_openblas.sh
# if empty: an apt-get download of Debian's libopenblas0-openmp unpacked there, not installed). Raw results and
# table.md go to --out (default a new directory under /tmp).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
ANCHORS=${ANCHORS:-$repo/../shared/anchors}
PYTHON=${PYTHON:-/usr/bin/python3}
OPENBLAS_DIR=${OPENBLAS_DIR:-/tmp/openblas}
TUNE=glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296 # run_tuned.sh's

nets=std,dws batch=64 threads=2 rounds=2 max_wait=240 tries=4 convkit="" out=""
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --net|--batch|--threads|--rounds|--max-wait|--tries|--convkit|--out)
      [ $# -ge 2 ] || { echo "bench_train.sh: $1 needs a value" >&2; exit 2; }
      v=$2; flag=${1#--}; shift 2
      case $flag in
        net) nets=$v ;; batch) batch=$v ;; threads) threads=$v ;; rounds) rounds=$v ;;
        max-wait) max_wait=$v ;; tries) tries=$v ;; convkit) convkit=$v ;; out) out=$v ;;
      esac ;;
    -h|--help) usage 0 ;;
    *) echo "bench_train.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
for n in rounds max_wait tries; do
  [[ ${!n} =~ ^[0-9]+$ ]] && [ "${!n}" -ge 1 ] || { echo "bench_train.sh: --${n//_/-} must be a positive integer" >&2; exit 2; }
done
log() { echo "== $* ($(date +%T))" >&2; }

work=$(mktemp -d /tmp/bench_train.XXXXXX)
out=${out:-$work/results}
mkdir -p "$out"
log "work directory $work, results in $out"

# The networks PyTorch can run: those of train.py.
torch_nets=""
for n in ${nets//,/ }; do
  case $n in std|dws) torch_nets=${torch_nets:+$torch_nets,}$n ;; esac
done

# --- setup ------------------------------------------------------------------------------------------
if [ -z "$convkit" ]; then
  log "building convkit"
  (cd "$repo" && go build -o "$work/convkit" ./cmd/convkit)
  convkit=$work/convkit
fi

if [ -n "$torch_nets" ]; then
  [ -f "$ANCHORS/train.py" ] || { echo "bench_train.sh: no train.py in ANCHORS=$ANCHORS" >&2; exit 1; }
  cp -r "$ANCHORS" "$work/anchors"
  rm -rf "$work/anchors/results"
  if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    log "installing python3-torch with apt"
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get install -y python3-torch || { $sudo apt-get update && $sudo apt-get install -y python3-torch; }
  fi
  multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
  ob=$OPENBLAS_DIR/root/usr/lib/$multiarch/openblas-openmp
  if [ ! -d "$ob" ]; then
    log "fetching OpenBLAS (anchors' get_openblas.sh)"
    if [ "$OPENBLAS_DIR" = /tmp/openblas ]; then
      (cd "$work/anchors" && sh ./get_openblas.sh >&2)
    else # get_openblas.sh has /tmp/openblas built in: run its two steps here
      (mkdir -p "$OPENBLAS_DIR" && cd "$OPENBLAS_DIR" && apt-get download libopenblas0-openmp >/dev/null &&
        dpkg -x libopenblas0-openmp_*.deb root)
    fi
  fi
  [ -d "$ob" ] || { echo "bench_train.sh: no OpenBLAS at $ob" >&2; exit 1; }

  # train_only.py: train.py's definitions (everything before its benchmark loop, which starts at
  # "cfg = config()") and the loop's body, for the requested nets and thread counts.
  cat >"$work/anchors/train_only.py" <<'EOF'
import argparse, json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch, torch.nn as nn
import benchutil
from benchutil import timeit, config

ap = argparse.ArgumentParser()
ap.add_argument("--nets", default="std,dws")
ap.add_argument("--threads", default="2")
ap.add_argument("--batch", default="64")
ap.add_argument("--out", required=True)
ap.add_argument("--max-wait", type=float, default=240.0)
ap.add_argument("--tries", type=int, default=4)
a = ap.parse_args()

src = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "train.py")).read()
head = src.split("\ncfg = config()")[0]
ns = {}
exec(compile(head, "train.py", "exec"), ns)
NETS, MACS = ns["NETS"], ns["MACS"]

quiet = benchutil.wait_quiet
benchutil.wait_quiet = lambda: quiet(max_wait=a.max_wait)
cfg = config()
for threads in map(int, a.threads.split(",")):
    torch.set_num_threads(threads)
    for name in a.nets.split(","):
        for batch in map(int, a.batch.split(",")):
            torch.manual_seed(0)
            net = NETS[name]().train()
            opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
            x, y = torch.randn(batch, 1, 28, 28), torch.randint(0, 10, (batch,))
            loss_fn = nn.CrossEntropyLoss()

            def step():
                opt.zero_grad(set_to_none=True)
                loss_fn(net(x), y).backward()
                opt.step()
            r = timeit(step, runs=30, warmup=5, min_time=1.0, tries=a.tries)
            rec = dict(net=name, **cfg, batch=batch, threads=threads, fwd_macs_per_img=MACS[name], **r,
                       img_per_s=batch / r["median"] * 1e3, img_per_s_best=batch / r["min"] * 1e3,
                       train_gflops=3 * 2 * MACS[name] * batch / r["median"] * 1e-6)
            print({k: (round(v, 2) if isinstance(v, float) else v) for k, v in rec.items()}, file=sys.stderr, flush=True)
            with open(a.out, "a") as f:
                f.write(json.dumps(rec) + "\n")
EOF
fi

# --- interleaved rounds -------------------------------------------------------------------------------
ck_files=() torch_files=()
for r in $(seq 1 "$rounds"); do
  log "round $r/$rounds: convkit"
  f=$out/convkit.r$r.json
  "$convkit" bench train --json --net "$nets" --batch "$batch" --threads "$threads" \
    --wait-quiet "${max_wait}s" --tries "$tries" >"$f"
  ck_files+=("$f")
  if [ -n "$torch_nets" ]; then
    log "round $r/$rounds: torch (tuned)"
    f=$out/torch.r$r.jsonl
    : >"$f"
    LD_LIBRARY_PATH=$ob GLIBC_TUNABLES=$TUNE "$PYTHON" "$work/anchors/train_only.py" --nets "$torch_nets" \
      --threads "$threads" --batch "$batch" --out "$f" --max-wait "$max_wait" --tries "$tries"
    torch_files+=("$f")
  fi
done

# --- merge --------------------------------------------------------------------------------------------
{
  echo "## convkit vs PyTorch (tuned): training throughput, $(date -u +'%Y-%m-%d %H:%M UTC')"
  echo
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
  echo "Machine: $(nproc) CPUs ($cpu); $("$convkit" version); rounds $rounds (best median of each engine);" \
       "SGD steps (forward, cross-entropy, backward, SGD lr 0.01 momentum 0.9) on random 1×28×28 images."
  echo
  "$PYTHON" - "${#ck_files[@]}" "${ck_files[@]}" ${torch_files[@]:+"${torch_files[@]}"} <<'EOF'
import json, sys
n = int(sys.argv[1])
ck_files, torch_files = sys.argv[2:2 + n], sys.argv[2 + n:]

def best(rows, into):
    for r in rows:
        k = (r["net"], r["batch"], r["threads"])
        if k not in into or r["median_ms"] < into[k]["median_ms"]:
            into[k] = r

ck, th = {}, {}
ck_rounds, th_rounds = [], [] # per round: key -> row
for f in ck_files:
    rows = json.load(open(f))
    best(rows, ck)
    ck_rounds.append({(r["net"], r["batch"], r["threads"]): r for r in rows})
for f in torch_files:
    rows = [json.loads(l) for l in open(f) if l.strip()]
    for r in rows:
        r["median_ms"] = r["median"]
    best(rows, th)
    th_rounds.append({(r["net"], r["batch"], r["threads"]): r for r in rows})

def paired(k):
    """The ratio of each round's pair (convkit, then torch, seconds apart), sorted."""
    return sorted(c[k]["img_per_s"] / t[k]["img_per_s"] for c, t in zip(ck_rounds, th_rounds) if k in c and k in t)

def spread(rs):
    if not rs:
        return "-"
    mid = rs[len(rs) // 2] if len(rs) % 2 else (rs[len(rs) // 2 - 1] + rs[len(rs) // 2]) / 2
    return "%.2f× (%.2f–%.2f, %d)" % (mid, rs[0], rs[-1], len(rs))

def load(r):
    v = r.get("other_load")
    return "-" if v is None else "%.2f%s" % (v, "*" if v > 0.3 else "")

print("| net | batch | threads | convkit img/s (best) | torch img/s (best) | convkit / torch | per-round ratio: median (min–max, rounds) | convkit GFLOP/s | torch GFLOP/s | load convkit, torch |")
print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
for k in sorted(ck, key=lambda k: (k[2], k[1], k[0])):
    c, t = ck[k], th.get(k)
    row = [k[0], str(k[1]), str(k[2]), "%.0f (%.0f)" % (c["img_per_s"], c["img_per_s_best"])]
    if t:
        row += ["%.0f (%.0f)" % (t["img_per_s"], t["img_per_s_best"]), "**%.2f×**" % (c["img_per_s"] / t["img_per_s"]),
                spread(paired(k)), "%.1f" % c["train_gflops"], "%.1f" % t["train_gflops"], "%s, %s" % (load(c), load(t))]
    else:
        row += ["-", "-", "-", "%.1f" % c["train_gflops"], "-", "%s, -" % load(c)]
    print("| " + " | ".join(row) + " |")
print()
print("img/s = batch/median step time (best: batch/fastest step); GFLOP/s = 3·2·forward MACs·batch/median, as train.py counts.")
print("convkit / torch compares each engine's best median over the rounds; the per-round ratio pairs the two timings of one")
print("round (taken seconds apart), which cancels the machine's slower drifts: with many rounds its median is the steadier figure.")
print("Load = cores used by other processes while timing; * marks a suspect timing (> 0.3).")
EOF
} | tee "$out/table.md"
log "table written to $out/table.md"
