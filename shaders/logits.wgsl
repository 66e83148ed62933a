// Output-side statistics of the policy's logits, one invocation per row.
// z = logits / τ (inv_tau = 1/τ), lsm = log_softmax(z), p = softmax(z).
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
}

@group(0) @binding(0) var<uniform> p: Params;
// Bindings 1 and 2 are shared by every entry point; the rest differ per entry
// point (a binding number may be reused by variables no entry point uses both of).
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;

// Softmax summary of one row, with zs = z − zmax and e = exp(zs):
// s = Σ e, a = Σ e·zs, z = Σ zs.
struct RowStats {
  zmax: f32,
  s: f32,
  a: f32,
  z: f32,
}

fn row_stats(base: u32) -> RowStats {
  var m = LOWEST;
  for (var v = 0u; v < p.vocab; v++) { m = max(m, logits[base + v]); }
  // τ > 0, so the largest logit gives the largest z.
  let zmax = m * p.inv_tau;
  var st = RowStats(zmax, 0.0, 0.0, 0.0);
  for (var v = 0u; v < p.vocab; v++) {
    let zs = logits[base + v] * p.inv_tau - zmax;
    let e = exp(zs);
    st.s += e;
    st.a += e * zs;
    st.z += zs;
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

// logp[n] = lsm[n, target[n]],  entropy[n] = −Σ_v p·lsm,  vmean[n] = (1/V) Σ_v lsm[n, v]
@compute @workgroup_size(WG)
fn logit_stats(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = row_index(gid, nwg);
  if (row >= p.rows) { return; }
  let base = row * p.vocab;
  let st = row_stats(base);
  let log_s = log(st.s);
  out_logp[row] = logits[base + targets[row]] * p.inv_tau - st.zmax - log_s;
  // −Σ p (zs − log S) = log S − Σ e·zs / S
  out_entropy[row] = log_s - st.a / st.s;
  out_vmean[row] = st.z / f32(p.vocab) - log_s;
}

// ---------------------------------------------------------------- backward

@group(0) @binding(3) var<storage, read> dlogp: array<f32>;
@group(0) @binding(4) var<storage, read> dentropy: array<f32>;
@group(0) @binding(5) var<storage, read> dvmean: array<f32>;
@group(0) @binding(6) var<storage, read_write> dlogits: array<f32>;

// dlogits[n, v] = (1/τ) · [ dlogp (δ_vt − p_v) + dvmean (1/V − p_v) − dentropy · p_v (lsm_v + H) ]
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
  let uniform_share = g_vmean / f32(p.vocab);
  for (var v = 0u; v < p.vocab; v++) {
    let zs = logits[base + v] * p.inv_tau - st.zmax;
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
  losses[row] = -m * (logits[base + tgt] * p.inv_tau - st.zmax - log_s);
  let total = mask_sum[0];
  // An all-padding batch has no loss and no gradient (rather than 0/0).
  let scale = select(0.0, m / total, total > 0.0);
  let inv_s = 1.0 / st.s;
  for (var v = 0u; v < p.vocab; v++) {
    var g = exp(logits[base + v] * p.inv_tau - st.zmax) * inv_s;
    if (v == tgt) { g -= 1.0; }
    ce_dlogits[base + v] = scale * g;
  }
}
