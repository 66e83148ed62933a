// Seeded categorical sampling from softmax(logits / τ), optionally restricted
// to the top k logits, one invocation per row.
//
// The CPU mirror (src/gpu/reference/sample.ts) must pick the same token bit
// for bit, so the inverse CDF avoids every operation whose rounding WGSL
// leaves to the implementation: exp is built from exactly rounded f32
// multiplications of table entries and an integer exponent shift, and no
// multiplication feeds an addition (which a compiler could fuse into an FMA).

//!include rng.wgsl
//!include sample-core.wgsl

const WG = 64u;

struct Params {
  rows: u32,
  vocab: u32,
  top_k: u32,       // 0 or ≥ vocab: no restriction
  seed: u32,
  neg_log2_scale: f32,  // log2(e) / τ: weight_v = 2^−((max − logit_v) · neg_log2_scale)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> tokens: array<u32>;
@group(0) @binding(3) var<storage, read_write> logp: array<f32>;
@group(0) @binding(4) var<storage, read> streams: array<u32>;  // [rows]: each row's RNG stream

// tokens[r] ~ softmax(logits[r] / τ) over the top k;  logp[r] = its log-probability under that distribution
@compute @workgroup_size(WG)
fn sample(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * WG;
  if (row >= p.rows) { return; }
  let d = draw(row * p.vocab, p.vocab, p.top_k, p.neg_log2_scale, uniform01(hash3(p.seed, streams[row], row)));
  tokens[row] = d.token;
  logp[row] = d.logp;
}
