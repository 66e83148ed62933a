// Output-side statistics of the policy's logits, one invocation per row.
// z = logits / τ (inv_tau = 1/τ), lsm = log_softmax(z), p = softmax(z), over
// the row's support: logits above `floor`. Entries at or below it (the
// policy's PAD and BOS, biased by −1e30) have probability exactly 0, stay out
// of vmean's average and get no gradient.
// Rows are short (a character vocabulary), so each invocation walks its row
// sequentially: a fixed summation order, hence bit-reproducible results, and
// no workgroup barriers, which cost far more than the arithmetic on a CPU
// adapter.

const WG = 64u;
const LOWEST = -3.4028234663852886e38;  // lowest finite f32: WGSL constants cannot be infinite

struct Params {
  rows: u32,      // N
  vocab: u32,     // V
  inv_tau: f32,
  grad_mask: u32, // logit_stats_backward: bit 0 dlogp, bit 1 dentropy, bit 2 dvmean present
  floor: f32,     // logits ≤ floor are outside the support
  // logit_stats: row n's target and outputs sit at (n / seq)·seq_stride + n % seq + io_offset,
  // so a few positions of each sequence can be scored into [B, T] arrays (identity: seq = seq_stride = N, io_offset = 0)
  seq: u32,
  seq_stride: u32,
  io_offset: u32,
  // logit_stats, 1: row n's target and outputs sit at n·seq_stride + positions[n] instead, and a row
  // whose position is the last column (no next token to score) is skipped (the sampler's decode steps)
  per_row: u32,
  // logit_stats: the outputs (and targets) of row n are repeated `copies` times, copy_stride apart
  copies: u32,
  copy_stride: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
// Bindings 1 and 2 are shared by every entry point; the rest differ per entry
// point (a binding number may be reused by variables no entry point uses both of).
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;

// Softmax summary of one row over its support, with zs = z − zmax and e = exp(zs):
// s = Σ e, a = Σ e·zs, z = Σ zs, n = support size.
struct RowStats {
  zmax: f32,
  s: f32,
  a: f32,
  z: f32,
  n: f32,
}

fn in_support(x: f32) -> bool {
  return x > p.floor;
}

fn row_stats(base: u32) -> RowStats {
  var m = LOWEST;
  for (var v = 0u; v < p.vocab; v++) { m = max(m, logits[base + v]); }
  // τ > 0, so the largest logit gives the largest z.
  let zmax = m * p.inv_tau;
  var st = RowStats(zmax, 0.0, 0.0, 0.0, 0.0);
  for (var v = 0u; v < p.vocab; v++) {
    let x = logits[base + v];
    if (!in_support(x)) { continue; }
    let zs = x * p.inv_tau - zmax;
    let e = exp(zs);
    st.s += e;
    st.a += e * zs;
    st.z += zs;
    st.n += 1.0;
  }
  return st;
}

fn row_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// ---------------------------------------------------------------- forward

@group(0) @binding(3) var<storage, read_write> out_logp: array<f32>;
@group(0) @binding(4) var<storage, read_write> out_entropy: array<f32>;
@group(0) @binding(5) var<storage, read_write> out_vmean: array<f32>;
@group(0) @binding(6) var<storage, read> out_positions: array<u32>;

// logp[n] = lsm[n, target[n]],  entropy[n] = −Σ_v p·lsm,  vmean[n] = mean of lsm[n, v] over the support
@compute @workgroup_size(WG)
fn logit_stats(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = row_index(gid, nwg);
  if (row >= p.rows) { return; }
  let base = row * p.vocab;
  var io = (row / p.seq) * p.seq_stride + row % p.seq + p.io_offset;
  if (p.per_row != 0u) {
    let t = out_positions[row];
    if (t + 1u >= p.seq_stride) { return; }
    io = row * p.seq_stride + t;
  }
  let st = row_stats(base);
  let log_s = log(st.s);
  // −Σ p (zs − log S) = log S − Σ e·zs / S
  let entropy = log_s - st.a / st.s;
  let vmean = st.z / st.n - log_s;
  for (var c = 0u; c < p.copies; c++) {
    let at = io + c * p.copy_stride;
    out_logp[at] = logits[base + targets[at]] * p.inv_tau - st.zmax - log_s;
    out_entropy[at] = entropy;
    out_vmean[at] = vmean;
  }
}

// ---------------------------------------------------------------- backward

@group(0) @binding(3) var<storage, read> dlogp: array<f32>;
@group(0) @binding(4) var<storage, read> dentropy: array<f32>;
@group(0) @binding(5) var<storage, read> dvmean: array<f32>;
@group(0) @binding(6) var<storage, read_write> dlogits: array<f32>;

// dlogits[n, v] = (1/τ) · [ dlogp (δ_vt − p_v) + dvmean (1/|S| − p_v) − dentropy · p_v (lsm_v + H) ] in the support S, 0 outside
@compute @workgroup_size(WG)
fn logit_stats_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = row_index(gid, nwg);
  if (row >= p.rows) { return; }
  let base = row * p.vocab;
  let st = row_stats(base);
  let log_s = log(st.s);
  let inv_s = 1.0 / st.s;
  let entropy = log_s - st.a * inv_s;
  // Absent gradients are bound to some other buffer and never read.
  var g_logp = 0.0;
  var g_ent = 0.0;
  var g_vmean = 0.0;
  if ((p.grad_mask & 1u) != 0u) { g_logp = dlogp[row]; }
  if ((p.grad_mask & 2u) != 0u) { g_ent = dentropy[row]; }
  if ((p.grad_mask & 4u) != 0u) { g_vmean = dvmean[row]; }
  let tgt = targets[row];
  let uniform_share = g_vmean / st.n;
  for (var v = 0u; v < p.vocab; v++) {
    let x = logits[base + v];
    if (!in_support(x)) {
      dlogits[base + v] = 0.0;
      continue;
    }
    let zs = x * p.inv_tau - st.zmax;
    let prob = exp(zs) * inv_s;
    let lsm = zs - log_s;
    var dz = uniform_share - (g_logp + g_vmean) * prob - g_ent * prob * (lsm + entropy);
    if (v == tgt) { dz += g_logp; }
    dlogits[base + v] = dz * p.inv_tau;
  }
}

// ---------------------------------------------------------------- cross-entropy

@group(0) @binding(3) var<storage, read> mask: array<f32>;
@group(0) @binding(4) var<storage, read> mask_sum: array<f32>;
@group(0) @binding(5) var<storage, read_write> losses: array<f32>;
@group(0) @binding(6) var<storage, read_write> ce_dlogits: array<f32>;

// losses[n] = −mask[n]·logp[n];  dlogits[n, v] = mask[n] (p_v − δ_vt) / Σ mask   (gradient of Σ losses / Σ mask)
@compute @workgroup_size(WG)
fn cross_entropy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = row_index(gid, nwg);
  if (row >= p.rows) { return; }
  let base = row * p.vocab;
  let st = row_stats(base);
  let log_s = log(st.s);
  let tgt = targets[row];
  let m = mask[row];
  // A masked-out row may target an excluded token: its huge log-prob must not reach the loss (0·−1e30 is fine, but keep it exact).
  losses[row] = select(0.0, -m * (logits[base + tgt] * p.inv_tau - st.zmax - log_s), m != 0.0);
  let total = mask_sum[0];
  // An all-padding batch has no loss and no gradient (rather than 0/0).
  let scale = select(0.0, m / total, total > 0.0);
  let inv_s = 1.0 / st.s;
  for (var v = 0u; v < p.vocab; v++) {
    let x = logits[base + v];
    if (!in_support(x)) {
      ce_dlogits[base + v] = 0.0;
      continue;
    }
    var g = exp(x * p.inv_tau - st.zmax) * inv_s;
    if (v == tgt) { g -= 1.0; }
    ce_dlogits[base + v] = scale * g;
  }
}
