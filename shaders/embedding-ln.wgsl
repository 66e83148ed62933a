// The token + position embedding of each row and, in the same invocation,
// the first block's layer norm of it, for the forward passes whose other
// layer norms come from the residual products' epilogues ('epilogue' norms,
// src/model/block.ts). It replaces the embedding kernel and layernorm_forward
// with the same bits (the same sums in the same order, layernorm-row.wgsl):
// one dispatch instead of two. C % 4 = 0.
//
// Row n sits at position s = positions[n] (n % T without positions) and
// embeds token tokens[n·row_stride + s·pos_stride]: strides 1, 0 for rows of
// their own tokens; T, 1 for the sampler's [R, T] arrays, read at each row's
// position.

struct Params {
  N: u32,
  T: u32,
  C: u32,
  row_stride: u32,
  pos_stride: u32,
  has_positions: u32,
  eps: f32,
  ln_b_at: u32,  // vec4s: where the layer norm's bias starts after its weight
  rstd_at: u32,  // where the rstds start after the means
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> wte: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> wpe: array<vec4<f32>>;
// Bound even without positions (then never read).
@group(0) @binding(4) var<storage, read> positions: array<u32>;
@group(0) @binding(5) var<storage, read_write> x: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> ln: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> ln_out: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> stats: array<f32>;

//!include layernorm-row.wgsl

// Rows per workgroup, as layernorm.wgsl's WG (src/gpu/kernels/embedding.ts sets it).
override WG: u32 = 16u;

// x[n,:] = wte[token] + wpe[s];  ln_out[n,:] = (x[n,:] − mean) · rstd · w + b;  mean, rstd saved
@compute @workgroup_size(WG)
fn embedding_ln(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let n = gid.x + gid.y * nwg.x * WG;
  if (n >= p.N) { return; }
  var s = n % p.T;
  if (p.has_positions != 0u) { s = positions[n]; }
  let tok = tokens[n * p.row_stride + s * p.pos_stride];
  let C4 = p.C / 4u;
  let base = n * C4;
  var sum = vec4(0.0);
  for (var c = 0u; c < C4; c++) {
    let v = wte[tok * C4 + c] + wpe[s * C4 + c];
    x[base + c] = v;
    sum += v;
  }
  let mean = sum4(sum) / f32(p.C);
  var ss = vec4(0.0);
  for (var c = 0u; c < C4; c++) {
    let d = x[base + c] - mean;
    ss += d * d;
  }
  let rstd = ln_rstd(ss, p.C, p.eps);
  for (var c = 0u; c < C4; c++) {
    ln_out[base + c] = ln_apply(x[base + c], mean, rstd, ln[c], ln[p.ln_b_at + c]);
  }
  stats[n] = mean;
  stats[p.rstd_at + n] = rstd;
}
