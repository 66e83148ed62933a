// Elementwise kernels over flat arrays of n elements. Entry points bind
// different variables at the same binding numbers; each uses only its own.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@group(0) @binding(1) var<storage, read> gelu_x: array<f32>;
@group(0) @binding(2) var<storage, read_write> gelu_y: array<f32>;

@group(0) @binding(2) var<storage, read> gelu_dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> gelu_dx: array<f32>;

const WG = 256u;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// out[i] = a[i] + b[i]   (residual add; the backward pass passes dout to both inputs)
@compute @workgroup_size(256)
fn add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.n) { return; }
  out[i] = a[i] + b[i];
}

const GELU_SCALE = 0.7978845608028654; // sqrt(2/π)
const GELU_CUBIC = 0.044715;

// 0.5·(1 + tanh(u)) = sigmoid(2u). Written as a sigmoid, both tails keep
// their small values instead of rounding 1 + tanh(u) to 0; u is clamped so
// exp stays finite (gelu is already x or 0 to f32 precision there).
fn gelu_sigmoid(x: f32) -> vec2<f32> {
  let u = clamp(GELU_SCALE * (x + GELU_CUBIC * x * x * x), -40.0, 40.0);
  let e = exp(-2.0 * u);
  let s = 1.0 / (1.0 + e);
  return vec2<f32>(s, e * s); // (s, 1 − s)
}

// y[i] = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))   (GPT-2's GELU)
@compute @workgroup_size(256)
fn gelu(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.n) { return; }
  let x = gelu_x[i];
  gelu_y[i] = x * gelu_sigmoid(x).x;
}

// dx[i] = dy[i] · gelu'(x[i]),  gelu' = s + 2·x·s·(1 − s)·du/dx  with s = sigmoid(2u)
@compute @workgroup_size(256)
fn gelu_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.n) { return; }
  let x = gelu_x[i];
  let s = gelu_sigmoid(x);
  let du_dx = GELU_SCALE * (1.0 + 3.0 * GELU_CUBIC * x * x);
  gelu_dx[i] = gelu_dy[i] * (s.x + 2.0 * x * s.x * s.y * du_dx);
}
