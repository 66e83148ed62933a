// Fixed-order reductions. No float atomics: each invocation accumulates a
// strided slice sequentially, then the workgroup combines the partials with a
// tree whose shape depends only on WG, so every run adds in the same order.
//
// op: 0 sum, 1 mean, 2 var (population), 3 max, 4 sum of squares.

override WG: u32 = 64u;

struct Params {
  rows: u32,   // R (rows) or G (chunks)
  len: u32,    // L (row length) or chunk length
  n: u32,      // total elements (reduce_chunks / combine_chunks)
  op: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> scratch: array<f32, WG>;

fn tree_sum(lid: u32, v: f32) -> f32 {
  scratch[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { scratch[lid] = scratch[lid] + scratch[lid + s]; }
    workgroupBarrier();
  }
  let r = scratch[0];
  workgroupBarrier();
  return r;
}

fn tree_max(lid: u32, v: f32) -> f32 {
  scratch[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { scratch[lid] = max(scratch[lid], scratch[lid + s]); }
    workgroupBarrier();
  }
  let r = scratch[0];
  workgroupBarrier();
  return r;
}

const NEG_INF = -3.4028234663852886e38;  // lowest finite f32: WGSL constants cannot be infinite

// Reduces x[start, start+count) with the whole workgroup; var needs the mean first, so it takes two sweeps.
// Returns (value, sum) where sum is the plain sum (combine_chunks uses it for var).
fn reduce_span(lid: u32, start: u32, count: u32, op: u32) -> vec2<f32> {
  if (op == 3u) {
    var m = NEG_INF;
    for (var i = lid; i < count; i += WG) { m = max(m, x[start + i]); }
    let r = tree_max(lid, m);
    return vec2<f32>(r, 0.0);
  }
  var acc = 0.0;
  if (op == 4u) {
    for (var i = lid; i < count; i += WG) { let v = x[start + i]; acc += v * v; }
  } else {
    for (var i = lid; i < count; i += WG) { acc += x[start + i]; }
  }
  let total = tree_sum(lid, acc);
  if (op == 1u) { return vec2<f32>(total / f32(count), total); }
  if (op != 2u) { return vec2<f32>(total, total); }
  let mean = total / f32(count);
  var dev = 0.0;
  for (var i = lid; i < count; i += WG) { let d = x[start + i] - mean; dev += d * d; }
  // For var, the first component is M2 = Σ (x − mean)², not yet divided: callers divide.
  return vec2<f32>(tree_sum(lid, dev), total);
}

// out[r] = op over x[r, 0..L)   (one workgroup per row)
@compute @workgroup_size(WG)
fn reduce_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let r = reduce_span(lid, row * p.len, p.len, p.op);
  if (lid == 0u) {
    if (p.op == 2u) { out[row] = r.x / f32(p.len); } else { out[row] = r.x; }
  }
}

// out[2g, 2g+1] = (op value or M2, plain sum) over chunk g of x[0..n)   (pass 1 of a whole-tensor reduction)
@compute @workgroup_size(WG)
fn reduce_chunks(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x + wid.y * nwg.x;
  if (g >= p.rows) { return; }
  let start = g * p.len;
  let count = min(p.len, p.n - start);
  var op = p.op;
  if (op == 1u) { op = 0u; }  // chunk sums; the mean divides once at the end
  let r = reduce_span(lid, start, count, op);
  if (lid == 0u) {
    out[2u * g] = r.x;
    out[2u * g + 1u] = r.y;
  }
}

// out[0] = op over the G chunk results of reduce_chunks (x holds them)   (pass 2, one workgroup)
@compute @workgroup_size(WG)
fn combine_chunks(@builtin(local_invocation_index) lid: u32) {
  let chunks = p.rows;
  let n = f32(p.n);
  if (p.op == 3u) {
    var m = NEG_INF;
    for (var g = lid; g < chunks; g += WG) { m = max(m, x[2u * g]); }
    let r = tree_max(lid, m);
    if (lid == 0u) { out[0] = r; }
    return;
  }
  var acc = 0.0;
  for (var g = lid; g < chunks; g += WG) { acc += x[2u * g + 1u]; }
  let total = tree_sum(lid, acc);
  if (p.op != 2u) {
    if (lid == 0u) {
      if (p.op == 1u) { out[0] = total / n; } else { out[0] = total; }
    }
    return;
  }
  // Chan et al.: M2 = Σ_g [ M2_g + n_g (mean_g − mean)² ]
  let mean = total / n;
  var m2 = 0.0;
  for (var g = lid; g < chunks; g += WG) {
    let count = f32(min(p.len, p.n - g * p.len));
    let d = x[2u * g + 1u] / count - mean;
    m2 += x[2u * g] + count * d * d;
  }
  let r = tree_sum(lid, m2);
  if (lid == 0u) { out[0] = r / n; }
}
