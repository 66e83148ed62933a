// Layer normalisation over the C channels of each of N rows, eps inside the
// square root, biased variance (as PyTorch). One workgroup per row for the
// forward pass and dx; one workgroup per channel for dw and db, so every sum
// is a gather in a fixed order: no atomics, bit-identical reruns.

struct Params {
  N: u32,
  C: u32,
  eps: f32,
  accumulate: u32, // dw/db: 1 adds into the existing gradients, 0 overwrites them
}

@group(0) @binding(0) var<uniform> p: Params;

// forward
@group(0) @binding(1) var<storage, read> f_x: array<f32>;
@group(0) @binding(2) var<storage, read> f_w: array<f32>;
@group(0) @binding(3) var<storage, read> f_b: array<f32>;
@group(0) @binding(4) var<storage, read_write> f_out: array<f32>;
@group(0) @binding(5) var<storage, read_write> f_mean: array<f32>;
@group(0) @binding(6) var<storage, read_write> f_rstd: array<f32>;

// backward (both entry points read these)
@group(0) @binding(1) var<storage, read> g_dout: array<f32>;
@group(0) @binding(2) var<storage, read> g_x: array<f32>;
@group(0) @binding(3) var<storage, read> g_mean: array<f32>;
@group(0) @binding(4) var<storage, read> g_rstd: array<f32>;
// backward_dx
@group(0) @binding(5) var<storage, read> g_w: array<f32>;
@group(0) @binding(6) var<storage, read_write> g_dx: array<f32>;
// backward_params
@group(0) @binding(5) var<storage, read_write> g_dw: array<f32>;
@group(0) @binding(6) var<storage, read_write> g_db: array<f32>;

const WG = 64u;

var<workgroup> partial: array<vec2<f32>, WG>;

// Sums v over the workgroup as a fixed tree; every invocation gets the total.
fn workgroup_sum(lid: u32, v: vec2<f32>) -> vec2<f32> {
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { partial[lid] = partial[lid] + partial[lid + stride]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier(); // nobody overwrites partial[0] before all have read it
  return total;
}

fn group_index(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// out[n,:] = (x[n,:] − mean) · rstd · w + b;  mean[n], rstd[n] saved for the backward pass
@compute @workgroup_size(64)
fn layernorm_forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = group_index(wid, nwg);
  if (row >= p.N) { return; }
  let base = row * p.C;
  var s = 0.0;
  for (var c = lid; c < p.C; c += WG) { s += f_x[base + c]; }
  let mean = workgroup_sum(lid, vec2<f32>(s, 0.0)).x / f32(p.C);
  // Two passes over the row: the centred sum of squares does not cancel like E[x²] − E[x]².
  var ss = 0.0;
  for (var c = lid; c < p.C; c += WG) {
    let d = f_x[base + c] - mean;
    ss += d * d;
  }
  let rstd = inverseSqrt(workgroup_sum(lid, vec2<f32>(ss, 0.0)).x / f32(p.C) + p.eps);
  for (var c = lid; c < p.C; c += WG) {
    f_out[base + c] = (f_x[base + c] - mean) * rstd * f_w[c] + f_b[c];
  }
  if (lid == 0u) {
    f_mean[row] = mean;
    f_rstd[row] = rstd;
  }
}

// dx[n,:] = rstd · (g − mean(g) − x̂ · mean(g · x̂)),  g = dout · w,  x̂ = (x − mean) · rstd
@compute @workgroup_size(64)
fn layernorm_backward_dx(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = group_index(wid, nwg);
  if (row >= p.N) { return; }
  let base = row * p.C;
  let mean = g_mean[row];
  let rstd = g_rstd[row];
  var sums = vec2<f32>(0.0);
  for (var c = lid; c < p.C; c += WG) {
    let g = g_dout[base + c] * g_w[c];
    let xhat = (g_x[base + c] - mean) * rstd;
    sums += vec2<f32>(g, g * xhat);
  }
  let means = workgroup_sum(lid, sums) / f32(p.C);
  for (var c = lid; c < p.C; c += WG) {
    let g = g_dout[base + c] * g_w[c];
    let xhat = (g_x[base + c] - mean) * rstd;
    g_dx[base + c] = rstd * (g - means.x - xhat * means.y);
  }
}

// dw[c] (+)= Σ_n dout[n,c] · x̂[n,c],  db[c] (+)= Σ_n dout[n,c]
@compute @workgroup_size(64)
fn layernorm_backward_params(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let c = group_index(wid, nwg);
  if (c >= p.C) { return; }
  var sums = vec2<f32>(0.0);
  for (var n = lid; n < p.N; n += WG) {
    let i = n * p.C + c;
    let dout = g_dout[i];
    sums += vec2<f32>(dout * (g_x[i] - g_mean[n]) * g_rstd[n], dout);
  }
  let total = workgroup_sum(lid, sums);
  if (lid == 0u) {
    if (p.accumulate != 0u) {
      g_dw[c] += total.x;
      g_db[c] += total.y;
    } else {
      g_dw[c] = total.x;
      g_db[c] = total.y;
    }
  }
}
