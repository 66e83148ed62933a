// The sampler's bookkeeping on the GPU, so a whole batch decodes without a
// readback: [R, T] arrays of tokens, next-token targets, completion mask and
// log-probs, and per row a state [prompt length, completion length, ended
// with EOS, done]. Row r, column t sits at r·T + t.

struct Params {
  rows: u32,     // R
  cols: u32,     // T: columns of the [R, T] arrays
  C: u32,
  max_new: u32,  // advance: completion budget, EOS included
  pad: u32,
  eos: u32,
  prefix: u32,   // fill_cache: positions per row in qkv
  cache_len: u32, // fill_cache: Tmax of the caches
  share: u32,    // fill_cache: cache rows filled from each qkv sequence
  // sample_advance: the draw's vocabulary, top k (0: all), seed and log2(e) / τ (sample.wgsl's)
  vocab: u32,
  top_k: u32,
  seed: u32,
  neg_log2_scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;

// decode_embed
@group(0) @binding(1) var<storage, read> e_tokens: array<u32>;
@group(0) @binding(2) var<storage, read> e_wte: array<f32>;
@group(0) @binding(3) var<storage, read> e_wpe: array<f32>;
@group(0) @binding(4) var<storage, read_write> e_out: array<f32>;
@group(0) @binding(5) var<storage, read> e_positions: array<u32>;

// advance
@group(0) @binding(1) var<storage, read> a_sampled: array<u32>;
@group(0) @binding(2) var<storage, read> a_sampled_logp: array<f32>;
@group(0) @binding(3) var<storage, read_write> a_tokens: array<u32>;
@group(0) @binding(4) var<storage, read_write> a_targets: array<u32>;
@group(0) @binding(5) var<storage, read_write> a_mask: array<f32>;
@group(0) @binding(6) var<storage, read_write> a_logp: array<f32>;
@group(0) @binding(7) var<storage, read_write> a_state: array<u32>;
@group(0) @binding(8) var<storage, read> a_positions: array<u32>;

// sample_advance: the logits and RNG streams of the rows, then advance's bindings 3 … 8
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> s_streams: array<u32>;

//!include rng.wgsl
//!include sample-core.wgsl

// fill_cache
@group(0) @binding(1) var<storage, read> c_qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> c_kcache: array<f32>;
@group(0) @binding(3) var<storage, read_write> c_vcache: array<f32>;
// …and fill_cache_vec4 these views of the same bindings (C a multiple of 4)
@group(0) @binding(1) var<storage, read> c4_qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c4_kcache: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c4_vcache: array<vec4<f32>>;

const WG = 64u;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// out[r, c] = wte[tokens[r, s], c] + wpe[s, c];  positions[r] = s   (the same sum as embedding_forward)
@compute @workgroup_size(64)
fn decode_embed(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.rows * p.C) { return; }
  let r = i / p.C;
  let c = i % p.C;
  let s = e_positions[r];
  let tok = e_tokens[r * p.cols + s];
  e_out[i] = e_wte[tok * p.C + c] + e_wpe[s * p.C + c];
}

// After sampling at position s = positions[r], row r's token at s + 1: its prompt's while the prompt lasts,
// PAD once done, else the sampled one (then mask, logp, length, EOS and done are updated); targets[r, s] =
// that token. A row at the last column (no s + 1) is left as it is.
@compute @workgroup_size(64)
fn advance(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg);
  if (r >= p.rows) { return; }
  advance_row(r, a_sampled[r], a_sampled_logp[r]);
}

// sample (sample.wgsl) then advance in one invocation per row: the same tokens, log-probabilities and row states.
@compute @workgroup_size(64)
fn sample_advance(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flat_index(gid, nwg);
  if (r >= p.rows) { return; }
  let d = draw(r * p.vocab, p.vocab, p.top_k, p.neg_log2_scale, uniform01(hash3(p.seed, s_streams[r], r)));
  advance_row(r, d.token, d.logp);
}

fn advance_row(r: u32, sampled: u32, sampled_logp: f32) {
  let s = a_positions[r];
  let next = s + 1u;
  if (next >= p.cols) { return; }
  let at = r * p.cols + s;
  let prompt_len = a_state[4u * r];
  var tok = p.pad;
  if (next < prompt_len) {
    tok = a_tokens[at + 1u];
  } else if (a_state[4u * r + 3u] == 0u) {
    tok = sampled;
    a_tokens[at + 1u] = tok;
    a_mask[at] = 1.0;
    a_logp[at] = sampled_logp;
    let len = a_state[4u * r + 1u] + 1u;
    a_state[4u * r + 1u] = len;
    if (tok == p.eos) { a_state[4u * r + 2u] = 1u; }
    if (tok == p.eos || len >= p.max_new || next + 1u >= p.cols) { a_state[4u * r + 3u] = 1u; }
  }
  a_targets[at] = tok;
}

// kcache[r, t, :] = k and vcache[r, t, :] = v of qkv row (r / share)·prefix + t, for t < prefix
@compute @workgroup_size(64)
fn fill_cache(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.rows * p.prefix * p.C) { return; }
  let c = i % p.C;
  let t = (i / p.C) % p.prefix;
  let r = i / (p.C * p.prefix);
  let row = (r / p.share) * p.prefix + t;
  let dst = (r * p.cache_len + t) * p.C + c;
  c_kcache[dst] = c_qkv[row * 3u * p.C + p.C + c];
  c_vcache[dst] = c_qkv[row * 3u * p.C + 2u * p.C + c];
}

// fill_cache four channels at a time, for C a multiple of 4: one invocation per
// qkv element reads it once and writes its `share` cache rows (the same copies).
@compute @workgroup_size(64)
fn fill_cache_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let C4 = p.C / 4u;
  if (i >= (p.rows / p.share) * p.prefix * C4) { return; }
  let c = i % C4;
  let row = i / C4;
  let t = row % p.prefix;
  let seq = row / p.prefix;
  let kk = c4_qkv[row * 3u * C4 + C4 + c];
  let vv = c4_qkv[row * 3u * C4 + 2u * C4 + c];
  for (var g = 0u; g < p.share; g++) {
    let dst = ((seq * p.share + g) * p.cache_len + t) * C4 + c;
    c4_kcache[dst] = kk;
    c4_vcache[dst] = vv;
  }
}
