// GRPO's clipped surrogate with a k3 penalty towards π_ref, over S rows of T
// predicting positions. Three passes, each a gather in a fixed order:
//   rows   — per-token dℓ/dlogp (unnormalised) and per-row sums
//   reduce — one workgroup folds the rows into the batch metrics
//   scale  — divides each token's gradient by its aggregation's denominator

// Each pass declares its own bindings; their numbers repeat from pass to pass.

struct Params {
  rows: u32,          // S
  T: u32,
  eps_low: f32,
  eps_high: f32,
  beta: f32,
  aggregation: u32,   // 0 token-mean, 1 seq-mean-token-mean, 2 seq-mean-token-sum-norm
  max_len: f32,       // the sum-norm denominator's completion length
  sequences: u32,     // the sum-norm denominator's sequence count (S unless rows were dropped before the loss)
}

@group(0) @binding(0) var<uniform> p: Params;

// Per-row sums, ROW_STRIDE floats each: Σw, Σwℓ, Σw·[clipped low], Σw·[clipped high], Σw·k3, Σw·ρ.
const ROW_STRIDE = 8u;
const WG = 256u;

// ---------------------------------------------------------------- rows

@group(0) @binding(1) var<storage, read> logp: array<f32>;
@group(0) @binding(2) var<storage, read> old_logp: array<f32>;
@group(0) @binding(3) var<storage, read> ref_logp: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<f32>;
@group(0) @binding(5) var<storage, read> keep: array<f32>;
@group(0) @binding(6) var<storage, read> advantages: array<f32>;
@group(0) @binding(7) var<storage, read_write> row_stats: array<f32>;
@group(0) @binding(8) var<storage, read_write> dlogp_raw: array<f32>;

// dlogp[s,t] = w·(−A·ρ·[surrogate unclipped] + β(1 − e^q)),  row_stats[s] = row sums;  w = mask·keep
@compute @workgroup_size(64)
fn grpo_rows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = gid.x;
  if (s >= p.rows) { return; }
  let A = advantages[s];
  var sums = array<f32, 6>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  for (var t = 0u; t < p.T; t++) {
    let i = s * p.T + t;
    let w = mask[i] * keep[i];
    // Padding may hold any value (even inf): it must not reach the sums.
    if (w == 0.0) { dlogp_raw[i] = 0.0; continue; }
    let ratio = exp(logp[i] - old_logp[i]);
    let clipped = clamp(ratio, 1.0 - p.eps_low, 1.0 + p.eps_high);
    // −min(ρA, clip(ρ)A): the clipped branch wins exactly when these hold, and it is constant in θ.
    let clip_low = A < 0.0 && ratio < 1.0 - p.eps_low;
    let clip_high = A > 0.0 && ratio > 1.0 + p.eps_high;
    var loss = -min(ratio * A, clipped * A);
    var grad = select(-A * ratio, 0.0, clip_low || clip_high);
    let q = ref_logp[i] - logp[i];
    let k3 = exp(q) - q - 1.0;
    if (p.beta != 0.0) {
      loss += p.beta * k3;
      grad += p.beta * (1.0 - exp(q));
    }
    dlogp_raw[i] = w * grad;
    sums[0] += w;
    sums[1] += w * loss;
    sums[2] += select(0.0, w, clip_low);
    sums[3] += select(0.0, w, clip_high);
    sums[4] += w * k3;
    sums[5] += w * ratio;
  }
  for (var k = 0u; k < 6u; k++) { row_stats[s * ROW_STRIDE + k] = sums[k]; }
  row_stats[s * ROW_STRIDE + 6u] = 0.0;
  row_stats[s * ROW_STRIDE + 7u] = 0.0;
}

// -------------------------------------------------------------- reduce

@group(0) @binding(1) var<storage, read> reduce_rows: array<f32>;
@group(0) @binding(2) var<storage, read_write> reduce_metrics: array<f32>;

// Σw, Σwℓ, low, high | k3, ρ, rows with w, Σ_rows (row Σwℓ / row Σw)
//!include reduce-workgroup.wgsl
var<workgroup> partial_a: array<vec4<f32>, REDUCE_WG>;
var<workgroup> partial_b: array<vec4<f32>, REDUCE_WG>;

// metrics = [loss, clip_low, clip_high, kl, ratio_mean, tokens, sequences] from row_stats
@compute @workgroup_size(REDUCE_WG)
fn grpo_reduce(@builtin(local_invocation_index) lid: u32) {
  var a = vec4<f32>(0.0);
  var b = vec4<f32>(0.0);
  for (var s = lid; s < p.rows; s += REDUCE_WG) {
    let o = s * ROW_STRIDE;
    let w = reduce_rows[o];
    a += vec4<f32>(w, reduce_rows[o + 1u], reduce_rows[o + 2u], reduce_rows[o + 3u]);
    let has_tokens = w > 0.0;
    let row_mean = select(0.0, reduce_rows[o + 1u] / w, has_tokens);
    b += vec4<f32>(reduce_rows[o + 4u], reduce_rows[o + 5u], select(0.0, 1.0, has_tokens), row_mean);
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
    let tokens = ta.x;
    let per_token = select(0.0, 1.0 / tokens, tokens > 0.0);
    var loss = ta.y * per_token;
    if (p.aggregation == 1u) { loss = select(0.0, tb.w / tb.z, tb.z > 0.0); }
    if (p.aggregation == 2u) { loss = ta.y / (f32(p.sequences) * p.max_len); }
    reduce_metrics[0] = loss;
    reduce_metrics[1] = ta.z * per_token;
    reduce_metrics[2] = ta.w * per_token;
    reduce_metrics[3] = tb.x * per_token;
    reduce_metrics[4] = tb.y * per_token;
    reduce_metrics[5] = tokens;
    reduce_metrics[6] = tb.z;
  }
}

// --------------------------------------------------------------- scale

@group(0) @binding(1) var<storage, read> scale_rows: array<f32>;
@group(0) @binding(2) var<storage, read> scale_metrics: array<f32>;
@group(0) @binding(3) var<storage, read_write> dlogp: array<f32>;

// dlogp[s,t] /= Σw (token-mean), row Σw · sequences (seq-mean-token-mean) or sequences · max_len (sum-norm)
@compute @workgroup_size(256)
fn grpo_scale(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.rows * p.T) { return; }
  let s = i / p.T;
  var denom = scale_metrics[5];
  if (p.aggregation == 1u) { denom = scale_rows[s * ROW_STRIDE] * scale_metrics[6]; }
  if (p.aggregation == 2u) { denom = f32(p.sequences) * p.max_len; }
  // A zero denominator means no token of this row is weighted, so its raw gradient is already 0.
  dlogp[i] = select(0.0, dlogp[i] / denom, denom > 0.0);
}
