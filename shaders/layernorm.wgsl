// Layer normalisation over the C channels of each of N rows, eps inside the
// square root, biased variance (as PyTorch).
// One invocation per row (forward, dx) or per channel (dw, db), each summing
// sequentially: every sum has a fixed order (no atomics, bit-identical
// reruns), and no workgroup barriers, which cost far more than the arithmetic
// on CPU adapters such as SwiftShader (measured: 16× slower for a
// workgroup-per-row tree reduction at N=1024, C=128).

struct Params {
  N: u32,
  C: u32,
  eps: f32,
  accumulate: u32, // dw/db: 1 adds into the existing gradients, 0 overwrites them
  residual: u32,   // dx: 1 adds the residual stream's gradient dres (binding 6) into dx
  dx_slots: u32,   // backward: invocation slots given to the rows' dx (whole workgroups); the slots after them compute dw, db
  rstd_at: u32,    // backward: where the rstds start in the stats binding, after the means
}

@group(0) @binding(0) var<uniform> p: Params;

// forward
@group(0) @binding(1) var<storage, read> f_x: array<f32>;
@group(0) @binding(2) var<storage, read> f_w: array<f32>;
@group(0) @binding(3) var<storage, read> f_b: array<f32>;
@group(0) @binding(4) var<storage, read_write> f_out: array<f32>;
@group(0) @binding(5) var<storage, read_write> f_mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> f_rstd: array<f32>;

// backward: one dispatch computes dx (one invocation per row) and dw, db (one
// per channel, or per 4 channels), two independent jobs side by side on
// separate workgroups. The means and rstds share one binding (rstd at
// p.rstd_at) to stay within a stage's eight storage buffers; dres is bound
// even when p.residual is 0, and then never read.
@group(0) @binding(1) var<storage, read> g_dout: array<f32>;
@group(0) @binding(2) var<storage, read> g_x: array<f32>;
@group(0) @binding(3) var<storage, read> g_stats: array<f32>;
@group(0) @binding(4) var<storage, read> g_w: array<f32>;
@group(0) @binding(5) var<storage, read_write> g_dx: array<f32>;
@group(0) @binding(6) var<storage, read> g_dres: array<f32>;
@group(0) @binding(7) var<storage, read_write> g_dw: array<f32>;
@group(0) @binding(8) var<storage, read_write> g_db: array<f32>;

// Invocations per workgroup (rows, or channels for the parameter gradients),
// a pipeline constant set by src/gpu/kernels/layernorm.ts.
override WG: u32 = 16u;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// out[n,:] = (x[n,:] − mean) · rstd · w + b;  mean[n], rstd[n] saved for the backward pass
@compute @workgroup_size(WG)
fn layernorm_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = flat_index(gid, nwg);
  if (row >= p.N) { return; }
  let base = row * p.C;
  var s = 0.0;
  for (var c = 0u; c < p.C; c++) { s += f_x[base + c]; }
  let mean = s / f32(p.C);
  // Two passes over the row: the centred sum of squares does not cancel like E[x²] − E[x]².
  var ss = 0.0;
  for (var c = 0u; c < p.C; c++) {
    let d = f_x[base + c] - mean;
    ss += d * d;
  }
  let rstd = inverseSqrt(ss / f32(p.C) + p.eps);
  for (var c = 0u; c < p.C; c++) {
    f_out[base + c] = (f_x[base + c] - mean) * rstd * f_w[c] + f_b[c];
  }
  f_mean[row] = mean;
  f_rstd[row] = rstd;
}

fn g_mean(n: u32) -> f32 { return g_stats[n]; }
fn g_rstd(n: u32) -> f32 { return g_stats[p.rstd_at + n]; }

// dx[n,:] = (dres[n,:] +) rstd · (g − mean(g) − x̂ · mean(g · x̂)),  g = dout · w,  x̂ = (x − mean) · rstd
@compute @workgroup_size(WG)
fn layernorm_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.dx_slots) {
    backward_params(i - p.dx_slots);
    return;
  }
  let row = i;
  if (row >= p.N) { return; }
  let base = row * p.C;
  let mean = g_mean(row);
  let rstd = g_rstd(row);
  var sum_g = 0.0;
  var sum_g_xhat = 0.0;
  for (var c = 0u; c < p.C; c++) {
    let g = g_dout[base + c] * g_w[c];
    sum_g += g;
    sum_g_xhat += g * (g_x[base + c] - mean) * rstd;
  }
  let mean_g = sum_g / f32(p.C);
  let mean_g_xhat = sum_g_xhat / f32(p.C);
  for (var c = 0u; c < p.C; c++) {
    let g = g_dout[base + c] * g_w[c];
    let xhat = (g_x[base + c] - mean) * rstd;
    var dx = rstd * (g - mean_g - xhat * mean_g_xhat);
    // As elementwise add(dres, dx) would: the residual stream's gradient plus this branch's.
    if (p.residual != 0u) { dx = g_dres[base + c] + dx; }
    g_dx[base + c] = dx;
  }
}

// dw[c] (+)= Σ_n dout[n,c] · x̂[n,c],  db[c] (+)= Σ_n dout[n,c]   (neighbouring invocations read neighbouring channels)
fn backward_params(c: u32) {
  if (c >= p.C) { return; }
  var dw = 0.0;
  var db = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let i = n * p.C + c;
    let dout = g_dout[i];
    dw += dout * (g_x[i] - g_mean(n)) * g_rstd(n);
    db += dout;
  }
  if (p.accumulate != 0u) {
    dw += g_dw[c];
    db += g_db[c];
  }
  g_dw[c] = dw;
  g_db[c] = db;
}

// The same kernels four channels at a time, for C a multiple of 4 (C4 = C/4):
// a quarter of the loads, which dominate on CPU adapters.
@group(0) @binding(1) var<storage, read> f4_x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> f4_w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> f4_b: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> f4_out: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> g4_dout: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> g4_x: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> g4_w: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> g4_dx: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> g4_dres: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> g4_dw: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> g4_db: array<vec4<f32>>;

//!include layernorm-row.wgsl

// out[n,:] = (x[n,:] − mean) · rstd · w + b;  mean[n], rstd[n] saved   (C % 4 = 0)
@compute @workgroup_size(WG)
fn layernorm_forward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = flat_index(gid, nwg);
  if (row >= p.N) { return; }
  let C4 = p.C / 4u;
  let base = row * C4;
  var s = vec4(0.0);
  for (var c = 0u; c < C4; c++) { s += f4_x[base + c]; }
  let mean = sum4(s) / f32(p.C);
  var ss = vec4(0.0);
  for (var c = 0u; c < C4; c++) {
    let d = f4_x[base + c] - mean;
    ss += d * d;
  }
  let rstd = ln_rstd(ss, p.C, p.eps);
  for (var c = 0u; c < C4; c++) {
    f4_out[base + c] = ln_apply(f4_x[base + c], mean, rstd, f4_w[c], f4_b[c]);
  }
  f_mean[row] = mean;
  f_rstd[row] = rstd;
}

// layernorm_backward for C % 4 = 0
@compute @workgroup_size(WG)
fn layernorm_backward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.dx_slots) {
    backward_params_vec4(i - p.dx_slots);
    return;
  }
  let row = i;
  if (row >= p.N) { return; }
  let C4 = p.C / 4u;
  let base = row * C4;
  let mean = g_mean(row);
  let rstd = g_rstd(row);
  var sum_g = vec4(0.0);
  var sum_g_xhat = vec4(0.0);
  for (var c = 0u; c < C4; c++) {
    let g = g4_dout[base + c] * g4_w[c];
    sum_g += g;
    sum_g_xhat += g * (g4_x[base + c] - mean) * rstd;
  }
  let mean_g = sum4(sum_g) / f32(p.C);
  let mean_g_xhat = sum4(sum_g_xhat) / f32(p.C);
  for (var c = 0u; c < C4; c++) {
    let g = g4_dout[base + c] * g4_w[c];
    let xhat = (g4_x[base + c] - mean) * rstd;
    var dx = rstd * (g - mean_g - xhat * mean_g_xhat);
    if (p.residual != 0u) { dx = g4_dres[base + c] + dx; }
    g4_dx[base + c] = dx;
  }
}

// dw[c] (+)= Σ_n dout[n,c] · x̂[n,c],  db[c] (+)= Σ_n dout[n,c]   (C % 4 = 0; one invocation per 4 channels)
fn backward_params_vec4(c: u32) {
  let C4 = p.C / 4u;
  if (c >= C4) { return; }
  var dw = vec4(0.0);
  var db = vec4(0.0);
  for (var n = 0u; n < p.N; n++) {
    let i = n * C4 + c;
    let dout = g4_dout[i];
    dw += dout * (g4_x[i] - g_mean(n)) * g_rstd(n);
    db += dout;
  }
  if (p.accumulate != 0u) {
    dw += g4_dw[c];
    db += g4_db[c];
  }
  g4_dw[c] = dw;
  g4_db[c] = db;
}
