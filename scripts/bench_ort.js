// ONNX Runtime side of scripts/bench_compare.sh (dev-only).
//
// The anchors' ort_bench.js with filters: onnxruntime-node CPU EP, intraOpNumThreads = threads,
// interOp 1, sequential, graph optimization 'all'; warm-up 5, then >= 20 runs and >= 0.3 s;
// min/median/max ms; quiet-gated (wait for < 0.15 foreign cores, retry a disturbed loop).
//
//   NODE_PATH=/tmp/ortbench/node_modules node bench_ort.js --onnx DIR --out FILE
//       [--only S1,DW2] [--batch 1,8] [--threads 1,2] [--max-wait 240] [--tries 4]
//
// DIR holds manifest.json and op_<NAME>.onnx as written by bench_torch.py --export-onnx (the format
// of the anchors' export_onnx.py). One JSON object per line is appended to FILE.
'use strict';
const fs = require('fs'), path = require('path');
const ort = require('onnxruntime-node');
const CLK = 100;  // USER_HZ: /proc/stat's unit

function args() {
  const a = { batch: [1, 8], threads: [1, 2], maxWait: 240, tries: 4, only: null };
  const v = process.argv.slice(2);
  const ints = (s) => s.split(',').filter((x) => x.trim() !== '').map(Number);
  for (let i = 0; i < v.length; i += 2) {
    const k = v[i], val = v[i + 1];
    if (val === undefined) throw new Error('missing value for ' + k);
    switch (k) {
      case '--onnx': a.onnx = val; break;
      case '--out': a.out = val; break;
      case '--only': a.only = val.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean); break;
      case '--batch': a.batch = ints(val); break;
      case '--threads': a.threads = ints(val); break;
      case '--max-wait': a.maxWait = Number(val); break;
      case '--tries': a.tries = Math.max(1, Number(val)); break;
      default: throw new Error('unknown flag ' + k);
    }
  }
  if (!a.onnx || !a.out) throw new Error('usage: bench_ort.js --onnx DIR --out FILE [--only ...] [--batch ...] [--threads ...]');
  return a;
}

function busyS() {
  const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / CLK;
}
function ownS() { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }
function probeStart() { return { w: performance.now(), b: busyS(), o: ownS() }; }
function probeOther(p) {
  const dw = (performance.now() - p.w) / 1e3;
  return Math.max(0, ((busyS() - p.b) - (ownS() - p.o)) / dw);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitQuiet(maxWait, th = 0.15) {
  const t0 = performance.now();
  for (;;) {
    const p = probeStart(); await sleep(500);
    if (probeOther(p) < th || (performance.now() - t0) / 1e3 > maxWait) return;
  }
}
const median = (a) => { const s = [...a].sort((x, y) => x - y), n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

async function measure(sess, feeds, a) {
  let best = null;
  for (let attempt = 1; attempt <= a.tries; attempt++) {
    await waitQuiet(a.maxWait);
    for (let i = 0; i < 5; i++) await sess.run(feeds);
    const ts = [], p = probeStart(), t0 = performance.now();
    while (ts.length < 20 || performance.now() - t0 < 300) {
      const t = performance.now(); await sess.run(feeds); ts.push(performance.now() - t);
    }
    const r = { min: Math.min(...ts), median: median(ts), max: Math.max(...ts), runs: ts.length,
                other_load: +probeOther(p).toFixed(2), attempts: attempt };
    if (!best || r.other_load < best.other_load) best = r;
    if (r.other_load <= 0.15) break;
  }
  return best;
}

(async () => {
  const a = args();
  const manifest = JSON.parse(fs.readFileSync(path.join(a.onnx, 'manifest.json'), 'utf8'));
  const engine = 'ort-node ' + ort.env.versions.node;
  for (const m of manifest) {
    const op = m.name.replace(/^op_/, '');
    if (a.only && !a.only.includes(op.toLowerCase())) continue;
    for (const threads of a.threads) {
      const sess = await ort.InferenceSession.create(path.join(a.onnx, m.file), {
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
        graphOptimizationLevel: 'all', executionProviders: ['cpu'] });
      for (const batch of a.batch) {
        const dims = [batch, ...m.chw], n = dims.reduce((x, y) => x * y);
        const data = new Float32Array(n); for (let i = 0; i < n; i++) data[i] = Math.random() * 2 - 1;
        const r = await measure(sess, { x: new ort.Tensor('float32', data, dims) }, a);
        const rec = { op, pass: 'fwd', engine, batch, threads, macs: m.macs_per_image * batch, ...r };
        if (m.macs_per_image > 0) rec.gflops = 2 * m.macs_per_image * batch / r.median * 1e-6;
        else { rec.bytes = 2 * n * 4; rec.gbps = rec.bytes / r.median * 1e-6; }
        fs.appendFileSync(a.out, JSON.stringify(rec) + '\n');
        console.error(JSON.stringify({ op, batch, threads, median: +r.median.toFixed(3), other_load: r.other_load }));
      }
      await sess.release();
    }
  }
})().catch((e) => { console.error('bench_ort.js:', e.message); process.exit(1); });
