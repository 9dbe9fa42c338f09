#!/usr/bin/env bash
# Compare convkit's operators with PyTorch ("tuned": OpenBLAS + GLIBC_TUNABLES, as the anchors) and
# ONNX Runtime on THIS machine, op by op, and print a markdown table of the ratios.
#
#   scripts/bench_compare.sh [--only S1,DW2] [--batch 1,8] [--threads 1,2] [--pass fwd|fwd+bwd|both]
#                            [--sections "convkit torch ort"] [--rounds 2] [--max-wait 240] [--tries 4]
#                            [--convkit BIN] [--out DIR]
#
# Defaults are the anchors': every op of ops.py forward at batch 1 and 8 with 1 and 2 threads, and the
# anchors' backward set (S1 G1 DW2 PW2 CW1) forward+backward at batch 8 with 2 threads; --only, --batch
# and --threads replace the respective defaults of both passes. ORT has no backward pass.
#
# Fairness: the engines run interleaved -- convkit, torch, ORT, then again, --rounds times -- and each
# configuration keeps each engine's best median, so a burst of load on the (shared, 2-core) machine
# hurts no engine alone. Every engine waits for a quiet machine before each timing (up to --max-wait
# seconds, --tries timed loops, like the anchors' benchutil.py) and records the foreign load.
# A full run takes about 7 minutes on a quiet machine; try a small subset first:
#
#   scripts/bench_compare.sh --only DW2,CW1 --batch 1 --pass fwd
#
# Environment: ANCHORS (default ../shared/anchors from the repository root) is the anchors folder; it is
# copied to a temporary directory and never written to. PYTHON (default /usr/bin/python3, Debian's
# python3-torch, installed with apt if missing). OPENBLAS_DIR (default /tmp/openblas, filled by the
# anchors' get_openblas.sh, which apt-get downloads Debian's libopenblas0-openmp and unpacks it there
# without installing it). ORT_DIR (default /tmp/ortbench, where onnxruntime-node is npm-installed).
# Raw results and table.md go to --out (default a new directory under /tmp).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
ANCHORS=${ANCHORS:-$repo/../shared/anchors}
PYTHON=${PYTHON:-/usr/bin/python3}
OPENBLAS_DIR=${OPENBLAS_DIR:-/tmp/openblas}
ORT_DIR=${ORT_DIR:-/tmp/ortbench}
TUNE=glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296 # run_tuned.sh's

only="" batch="" threads="" pass=both sections="convkit torch ort" rounds=2 max_wait=240 tries=4
convkit="" out=""
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --only|--batch|--threads|--pass|--sections|--rounds|--max-wait|--tries|--convkit|--out)
      [ $# -ge 2 ] || { echo "bench_compare.sh: $1 needs a value" >&2; exit 2; }
      v=$2; flag=${1#--}; shift 2
      case $flag in
        only) only=$v ;; batch) batch=$v ;; threads) threads=$v ;; pass) pass=$v ;;
        sections) sections=$v ;; rounds) rounds=$v ;; max-wait) max_wait=$v ;; tries) tries=$v ;;
        convkit) convkit=$v ;; out) out=$v ;;
      esac ;;
    -h|--help) usage 0 ;;
    *) echo "bench_compare.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
case $pass in fwd|fwd+bwd|both) ;; *) echo "bench_compare.sh: --pass must be fwd, fwd+bwd or both" >&2; exit 2 ;; esac
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench_compare.sh: --rounds must be a positive integer" >&2; exit 2; }
for s in $sections; do
  case $s in convkit|torch|ort) ;; *) echo "bench_compare.sh: unknown section $s (convkit torch ort)" >&2; exit 2 ;; esac
done
has() { [[ " $sections " == *" $1 "* ]]; }
log() { echo "== $* ($(date +%T))" >&2; }

work=$(mktemp -d /tmp/bench_compare.XXXXXX)
out=${out:-$work/results}
mkdir -p "$out"
log "work directory $work, results in $out"

# Selection flags shared by all engines (empty ones are left to each side's identical defaults).
sel=()
[ -n "$only" ] && sel+=(--only "$only")
[ -n "$batch" ] && sel+=(--batch "$batch")
[ -n "$threads" ] && sel+=(--threads "$threads")

# --- setup ------------------------------------------------------------------------------------------
if has convkit && [ -z "$convkit" ]; then
  log "building convkit"
  (cd "$repo" && go build -o "$work/convkit" ./cmd/convkit)
  convkit=$work/convkit
fi

if has torch || has ort; then
  [ -f "$ANCHORS/ops.py" ] || { echo "bench_compare.sh: no ops.py in ANCHORS=$ANCHORS" >&2; exit 1; }
  cp -r "$ANCHORS" "$work/anchors"
  rm -rf "$work/anchors/results" "$work/anchors/onnx"
  if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    log "installing python3-torch with apt"
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get install -y python3-torch || { $sudo apt-get update && $sudo apt-get install -y python3-torch; }
  fi
fi

if has torch; then
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
  [ -d "$ob" ] || { echo "bench_compare.sh: no OpenBLAS at $ob" >&2; exit 1; }
fi

if has ort; then
  if [ ! -d "$ORT_DIR/node_modules/onnxruntime-node" ]; then
    log "installing onnxruntime-node into $ORT_DIR"
    # The plain install fails: its script fetches the CUDA provider from NuGet (RESULTS.md).
    if ! (mkdir -p "$ORT_DIR" && cd "$ORT_DIR" && { [ -f package.json ] || npm init -y >/dev/null; } &&
          npm install onnxruntime-node --onnxruntime-node-install=skip --ignore-scripts >&2); then
      echo "bench_compare.sh: npm install failed; skipping ORT" >&2
      sections=${sections//ort/}
    fi
  fi
  if has ort; then
    log "exporting ONNX graphs"
    if ! "$PYTHON" "$repo/scripts/bench_torch.py" --anchors "$work/anchors" --export-onnx "$work/onnx" \
         ${only:+--only "$only"} 2>"$work/export.log"; then
      tail -5 "$work/export.log" >&2
      echo "bench_compare.sh: ONNX export failed; skipping ORT" >&2
      sections=${sections//ort/}
    fi
  fi
fi

# --- interleaved rounds -------------------------------------------------------------------------------
ck_files=() torch_files=() ort_files=()
for r in $(seq 1 "$rounds"); do
  if has convkit; then
    log "round $r/$rounds: convkit"
    f=$out/convkit.r$r.json
    "$convkit" bench ops --json --pass "$pass" --wait-quiet "${max_wait}s" --tries "$tries" "${sel[@]}" >"$f"
    ck_files+=("$f")
  fi
  if has torch; then
    log "round $r/$rounds: torch (tuned)"
    f=$out/torch.r$r.jsonl
    : >"$f"
    LD_LIBRARY_PATH=$ob GLIBC_TUNABLES=$TUNE "$PYTHON" "$repo/scripts/bench_torch.py" --anchors "$work/anchors" \
      --out "$f" --pass "$pass" --max-wait "$max_wait" --tries "$tries" "${sel[@]}"
    torch_files+=("$f")
  fi
  if has ort && [ "$pass" != fwd+bwd ]; then
    log "round $r/$rounds: ORT"
    f=$out/ort.r$r.jsonl
    : >"$f"
    NODE_PATH=$ORT_DIR/node_modules node "$repo/scripts/bench_ort.js" --onnx "$work/onnx" --out "$f" \
      --max-wait "$max_wait" --tries "$tries" "${sel[@]}"
    ort_files+=("$f")
  fi
done

# --- merge --------------------------------------------------------------------------------------------
if [ ${#ck_files[@]} -eq 0 ]; then
  log "no convkit section: raw peer results are in $out"
  exit 0
fi
{
  echo "## convkit vs PyTorch (tuned) and ONNX Runtime, $(date -u +'%Y-%m-%d %H:%M UTC')"
  echo
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
  cpu="$cpu, family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ') model $(grep -m1 '^model[^ ]*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')"
  kernels=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0].get("kernels","?"))' "${ck_files[0]}" 2>/dev/null || echo "?")
  echo "Machine: $(nproc) CPUs ($cpu); $("$convkit" version), $kernels kernels; rounds $rounds; pass $pass;" \
       "ops ${only:-all}, batch ${batch:-default}, threads ${threads:-default}."
  echo
  "$PYTHON" "$repo/scripts/bench_merge.py" --convkit "${ck_files[@]}" \
    ${torch_files[@]:+--torch "${torch_files[@]}"} ${ort_files[@]:+--ort "${ort_files[@]}"}
} | tee "$out/table.md"
log "table written to $out/table.md"
