// ROVER: regress Q = ρ(log π_θ − log π_old) onto y = r̃ + stopgrad(V̄ at the
// next position), token-mean squared error over S rows of T predicting
// positions. Passes as in grpo.wgsl: rows, one-workgroup reduce, scale.

// Each pass declares its own bindings; their numbers repeat from pass to pass.

struct Params {
  rows: u32,  // S
  T: u32,
  rho: f32,   // the authors' rover_t
}

@group(0) @binding(0) var<uniform> p: Params;

// Per-row sums, ROW_STRIDE floats each: Σm, Σm(Q−y)², Σm|Q|, Σm·Q, Σm·y, Σm·V̄next.
const ROW_STRIDE = 8u;
const WG = 256u;

// ---------------------------------------------------------------- rows

@group(0) @binding(1) var<storage, read> logp: array<f32>;
@group(0) @binding(2) var<storage, read> old_logp: array<f32>;
@group(0) @binding(3) var<storage, read> vmean: array<f32>;
@group(0) @binding(4) var<storage, read> old_vmean: array<f32>;
@group(0) @binding(5) var<storage, read> mask: array<f32>;
@group(0) @binding(6) var<storage, read> centred_rewards: array<f32>;
@group(0) @binding(7) var<storage, read_write> row_stats: array<f32>;
@group(0) @binding(8) var<storage, read_write> dlogp_raw: array<f32>;

// dlogp[s,t] = m·2ρ(Q − y) (unnormalised), y = r̃[s] + ρ(vmean − old_vmean)[s,t+1]·m[s,t+1];  row_stats[s] = row sums
@compute @workgroup_size(64)
fn rover_rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = gid.x;
  if (s >= p.rows) { return; }
  let r = centred_rewards[s];
  var sums = array<f32, 6>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  for (var t = 0u; t < p.T; t++) {
    let i = s * p.T + t;
    let m = mask[i];
    if (m == 0.0) { dlogp_raw[i] = 0.0; continue; }
    // The next state's value is V̄ at position t+1 while it still predicts a completion token, 0 after the last.
    var v_next = 0.0;
    if (t + 1u < p.T && mask[i + 1u] != 0.0) { v_next = p.rho * (vmean[i + 1u] - old_vmean[i + 1u]); }
    let q = p.rho * (logp[i] - old_logp[i]);
    let y = r + v_next;
    let diff = q - y;
    dlogp_raw[i] = m * 2.0 * p.rho * diff;
    sums[0] += m;
    sums[1] += m * diff * diff;
    sums[2] += m * abs(q);
    sums[3] += m * q;
    sums[4] += m * y;
    sums[5] += m * v_next;
  }
  for (var k = 0u; k < 6u; k++) { row_stats[s * ROW_STRIDE + k] = sums[k]; }
  row_stats[s * ROW_STRIDE + 6u] = 0.0;
  row_stats[s * ROW_STRIDE + 7u] = 0.0;
}

// -------------------------------------------------------------- reduce

@group(0) @binding(1) var<storage, read> reduce_rows: array<f32>;
@group(0) @binding(2) var<storage, read_write> reduce_metrics: array<f32>;

// Σm, Σm(Q−y)², Σm|Q|, Σm·Q | Σm·y, Σm·V̄next
//!include reduce-workgroup.wgsl
var<workgroup> partial_a: array<vec4<f32>, REDUCE_WG>;
var<workgroup> partial_b: array<vec2<f32>, REDUCE_WG>;

// metrics = [loss, q_abs_mean, q_mean, target_mean, v_next_mean, tokens] from row_stats
@compute @workgroup_size(REDUCE_WG)
fn rover_reduce(@builtin(local_invocation_index) lid: u32) {
  var a = vec4<f32>(0.0);
  var b = vec2<f32>(0.0);
  for (var s = lid; s < p.rows; s += REDUCE_WG) {
    let o = s * ROW_STRIDE;
    a += vec4<f32>(reduce_rows[o], reduce_rows[o + 1u], reduce_rows[o + 2u], reduce_rows[o + 3u]);
    b += vec2<f32>(reduce_rows[o + 4u], reduce_rows[o + 5u]);
  }
  partial_a[lid] = a;
  partial_b[lid] = b;
  workgroupBarrier();
  for (var stride = REDUCE_WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      partial_a[lid] += partial_a[lid + stride];
      partial_b[lid] += partial_b[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let ta = partial_a[0];
    let tb = partial_b[0];
    let per_token = select(0.0, 1.0 / ta.x, ta.x > 0.0);
    reduce_metrics[0] = ta.y * per_token;
    reduce_metrics[1] = ta.z * per_token;
    reduce_metrics[2] = ta.w * per_token;
    reduce_metrics[3] = tb.x * per_token;
    reduce_metrics[4] = tb.y * per_token;
    reduce_metrics[5] = ta.x;
  }
}

// --------------------------------------------------------------- scale

@group(0) @binding(1) var<storage, read> scale_metrics: array<f32>;
@group(0) @binding(2) var<storage, read_write> dlogp: array<f32>;

// dlogp[s,t] /= Σm
@compute @workgroup_size(256)
fn rover_scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.rows * p.T) { return; }
  let tokens = scale_metrics[5];
  dlogp[i] = select(0.0, dlogp[i] / tokens, tokens > 0.0);
}
