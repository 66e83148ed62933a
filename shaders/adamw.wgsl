// AdamW over one flat parameter array, with global-norm gradient clipping
// whose scale is computed here from ‖g‖² (no CPU round trip).

const WG = 256u;
const PER_INVOCATION = 4u;

struct Params {
  n: u32,
  decay_count: u32,   // decoupled weight decay applies to elements [0, decay_count)
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weight_decay: f32,
  max_grad_norm: f32, // ≤ 0 disables clipping
  step_size: f32,     // lr / (1 − β1^t)
  inv_sqrt_bc2: f32,  // 1 / sqrt(1 − β2^t)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> grad_norm_sq: array<f32>;

// θ ← θ(1 − lr·wd) − lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + ε),  g ← g·min(1, maxNorm/(‖g‖+1e-6))
@compute @workgroup_size(WG)
fn adamw(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  var scale = 1.0;
  if (p.max_grad_norm > 0.0) {
    scale = min(1.0, p.max_grad_norm / (sqrt(grad_norm_sq[0]) + 1e-6));
  }
  let decay = 1.0 - p.lr * p.weight_decay;
  // Neighbouring invocations touch neighbouring elements on every iteration (coalesced on GPUs, SIMD-friendly on CPUs).
  let first = group * WG * PER_INVOCATION + lid;
  for (var k = 0u; k < PER_INVOCATION; k++) {
    let i = first + k * WG;
    if (i >= p.n) { return; }
    let g = grads[i] * scale;
    let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
    let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    var theta = params[i];
    if (i < p.decay_count) { theta *= decay; }
    params[i] = theta - p.step_size * mi / (sqrt(vi) * p.inv_sqrt_bc2 + p.eps);
  }
}
