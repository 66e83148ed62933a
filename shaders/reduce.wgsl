// Fixed-order reductions. No float atomics: every sum runs in an order fixed
// by the shapes alone, so results are bit-reproducible run to run.
//
// op: 0 sum, 1 mean, 2 var (population), 3 max, 4 sum of squares.
//
// Workgroup barriers are very expensive on a CPU adapter, so the default
// kernels give each invocation whole rows (or a strided slice) and combine
// sequentially; reduce_rows_tree, a workgroup per row with a barrier tree,
// serves long rows on real GPUs.

const SERIAL_WG = 64u;
override WG: u32 = 64u;
const LOWEST = -3.4028234663852886e38;  // lowest finite f32: WGSL constants cannot be infinite

struct Params {
  rows: u32,   // R, or the number of slices T
  len: u32,    // L (row length)
  n: u32,      // total elements
  op: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

// (count, Σ, M2 = Σ(x − mean)², max) of x[start + k·stride] for k < count, in index order.
struct Moments {
  count: f32,
  sum: f32,
  m2: f32,
  maximum: f32,
}

fn moments(start: u32, stride: u32, count: u32, op: u32) -> Moments {
  var r = Moments(f32(count), 0.0, 0.0, LOWEST);
  if (op == 3u) {
    for (var k = 0u; k < count; k++) { r.maximum = max(r.maximum, x[start + k * stride]); }
    return r;
  }
  if (op == 4u) {
    for (var k = 0u; k < count; k++) { let v = x[start + k * stride]; r.sum += v * v; }
    return r;
  }
  for (var k = 0u; k < count; k++) { r.sum += x[start + k * stride]; }
  if (op == 2u && count > 0u) {
    // Two passes: a one-pass E[x²] − E[x]² cancels catastrophically for data far from zero.
    let mean = r.sum / r.count;
    for (var k = 0u; k < count; k++) { let d = x[start + k * stride] - mean; r.m2 += d * d; }
  }
  return r;
}

fn finish(r: Moments, op: u32) -> f32 {
  switch op {
    case 1u: { return r.sum / r.count; }
    case 2u: { return r.m2 / r.count; }
    case 3u: { return r.maximum; }
    default: { return r.sum; }
  }
}

// out[r] = op over x[r, 0..L)   (one invocation per row)
@compute @workgroup_size(SERIAL_WG)
fn reduce_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * SERIAL_WG;
  if (row >= p.rows) { return; }
  out[row] = finish(moments(row * p.len, 1u, p.len, p.op), p.op);
}

// out[4t..4t+4) = Moments of the slice x[t], x[t+T], x[t+2T], …   (pass 1 of a whole-tensor reduction, T = rows)
@compute @workgroup_size(SERIAL_WG)
fn reduce_slices(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= p.rows) { return; }
  let count = (p.n - t + p.rows - 1u) / p.rows;
  let r = moments(t, p.rows, count, p.op);
  out[4u * t] = r.count;
  out[4u * t + 1u] = r.sum;
  out[4u * t + 2u] = r.m2;
  out[4u * t + 3u] = r.maximum;
}

// out[0] = op over the T slice moments in x, combined in slice order   (pass 2, one invocation)
@compute @workgroup_size(1)
fn combine_slices() {
  var total = Moments(0.0, 0.0, 0.0, LOWEST);
  for (var t = 0u; t < p.rows; t++) {
    total.count += x[4u * t];
    total.sum += x[4u * t + 1u];
    total.maximum = max(total.maximum, x[4u * t + 3u]);
  }
  if (p.op == 2u) {
    // Chan et al.: M2 = Σ_t [ M2_t + n_t (mean_t − mean)² ]
    let mean = total.sum / total.count;
    for (var t = 0u; t < p.rows; t++) {
      let count = x[4u * t];
      if (count > 0.0) {
        let d = x[4u * t + 1u] / count - mean;
        total.m2 += x[4u * t + 2u] + count * d * d;
      }
    }
  }
  out[0] = finish(total, p.op);
}

// ---------------------------------------------------------------- long rows on GPUs

var<workgroup> scratch: array<vec2<f32>, WG>;

// out[r] = op over x[r, 0..L)   (one workgroup per row: strided partials, then a fixed tree)
@compute @workgroup_size(WG)
fn reduce_rows_tree(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let count = strided_count(p.len, lid, WG);
  let part = moments(row * p.len + lid, WG, count, p.op);
  // Each partial carries (Σ or max, M2 about its own mean); counts are implied by lid.
  scratch[lid] = vec2<f32>(select(part.sum, part.maximum, p.op == 3u), part.m2);
  workgroupBarrier();
  // Merge partial lid+s into lid, keeping track of element counts for var.
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      let a = scratch[lid];
      let b = scratch[lid + s];
      if (p.op == 3u) {
        scratch[lid] = vec2<f32>(max(a.x, b.x), 0.0);
      } else {
        // Before this round, slot j holds the elements i ≡ j (mod 2s).
        let na = f32(strided_count(p.len, lid, 2u * s));
        let nb = f32(strided_count(p.len, lid + s, 2u * s));
        var m2 = a.y + b.y;
        if (p.op == 2u && na > 0.0 && nb > 0.0) {
          let d = b.x / nb - a.x / na;
          m2 += d * d * na * nb / (na + nb);
        }
        scratch[lid] = vec2<f32>(a.x + b.x, m2);
      }
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let r = scratch[0];
    out[row] = finish(Moments(f32(p.len), r.x, r.y, r.x), p.op);
  }
}

// Number of indices i < len with i ≡ first (mod step), first < step.
fn strided_count(len: u32, first: u32, step: u32) -> u32 {
  return (len - min(first, len) + step - 1u) / step;
}
