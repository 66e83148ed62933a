// Batch statistics of sampled rollouts, reduced in a fixed order (one
// workgroup; thread i sums elements i, i+256, … then a tree), so they are
// bit-reproducible.

struct Params {
  n: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> old_logp: array<f32>;
@group(0) @binding(2) var<storage, read> ref_logp: array<f32>;
@group(0) @binding(3) var<storage, read> entropy: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;

//!include reduce-workgroup.wgsl
var<workgroup> acc: array<vec4<f32>, REDUCE_WG>;

// out = [Σ m, Σ m·H, Σ m·k3(ref − old), Σ m·(−log π_old)] over all tokens
@compute @workgroup_size(REDUCE_WG)
fn rollout_stats(@builtin(local_invocation_index) lid: u32) {
  var s = vec4<f32>(0.0);
  for (var i = lid; i < p.n; i += REDUCE_WG) {
    let m = mask[i];
    if (m != 0.0) {
      let q = ref_logp[i] - old_logp[i];
      s += m * vec4<f32>(1.0, entropy[i], exp(q) - q - 1.0, -old_logp[i]);
    }
  }
  acc[lid] = s;
  workgroupBarrier();
  for (var half = REDUCE_WG / 2u; half > 0u; half >>= 1u) {
    if (lid < half) { acc[lid] += acc[lid + half]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    out[0] = acc[0].x;
    out[1] = acc[0].y;
    out[2] = acc[0].z;
    out[3] = acc[0].w;
  }
}
