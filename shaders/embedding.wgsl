// Token + position embedding. Rows are the B·T positions of right-padded
// sequences; row r sits at position r % T. The backward pass gathers each
// gradient element in row order (WGSL has no float atomics), so reruns are
// bit-identical.

struct Params {
  B: u32,
  T: u32,
  C: u32,
  V: u32,
  Tmax: u32,
  accumulate: u32, // backward: 1 adds into the existing gradients, 0 overwrites them
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;

// forward
@group(0) @binding(2) var<storage, read> wte: array<f32>;
@group(0) @binding(3) var<storage, read> wpe: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@group(0) @binding(2) var<storage, read> wte4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> wpe4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out4: array<vec4<f32>>;

// backward: grouping rows by token, then gathering them
@group(0) @binding(2) var<storage, read_write> s_rows_by_token: array<u32>;
@group(0) @binding(3) var<storage, read_write> s_token_range: array<u32>; // [start, count] per token
@group(0) @binding(1) var<storage, read> g_rows_by_token: array<u32>;
@group(0) @binding(2) var<storage, read> g_token_range: array<u32>;
@group(0) @binding(3) var<storage, read> dout: array<f32>;
@group(0) @binding(4) var<storage, read_write> dwte: array<f32>;
@group(0) @binding(1) var<storage, read> dout_pos: array<f32>;
@group(0) @binding(2) var<storage, read_write> dwpe: array<f32>;

const WG = 64u;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// out[r,c] = wte[tokens[r], c] + wpe[r % T, c]
@compute @workgroup_size(64)
fn embedding_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.T * p.C) { return; }
  let r = i / p.C;
  let c = i % p.C;
  out[i] = wte[tokens[r] * p.C + c] + wpe[(r % p.T) * p.C + c];
}

// out[r,c] = wte[tokens[r], c] + wpe[r % T, c]   (C % 4 = 0; four channels per invocation)
@compute @workgroup_size(64)
fn embedding_forward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  let C4 = p.C / 4u;
  if (i >= p.B * p.T * C4) { return; }
  let r = i / C4;
  let c = i % C4;
  out4[i] = wte4[tokens[r] * C4 + c] + wpe4[(r % p.T) * C4 + c];
}

// A counting sort of the rows by token, in two scans of all B·T tokens per
// vocabulary entry: cheap next to the C-wide gather that follows, and the
// rows of each token stay in row order, which fixes the gradient's sum order.
// token_range[v] = (start, count);  rows_by_token[start .. start+count) = the rows r with tokens[r] = v, ascending
@compute @workgroup_size(64)
fn embedding_group_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let v = flat_index(gid, nwg);
  if (v >= p.V) { return; }
  let rows = p.B * p.T;
  var start = 0u;
  for (var r = 0u; r < rows; r++) { start += select(0u, 1u, tokens[r] < v); }
  var count = 0u;
  for (var r = 0u; r < rows; r++) {
    if (tokens[r] == v) {
      s_rows_by_token[start + count] = r;
      count++;
    }
  }
  s_token_range[2u * v] = start;
  s_token_range[2u * v + 1u] = count;
}

// dwte[v,c] (+)= Σ_{r : tokens[r] = v} dout[r,c]   (one invocation per (v,c); neighbours share v and read neighbouring channels)
@compute @workgroup_size(64)
fn embedding_backward_tokens(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.V * p.C) { return; }
  let v = i / p.C;
  let c = i % p.C;
  let start = g_token_range[2u * v];
  let end = start + g_token_range[2u * v + 1u];
  var sum = 0.0;
  for (var k = start; k < end; k++) { sum += dout[g_rows_by_token[k] * p.C + c]; }
  if (p.accumulate != 0u) { sum += dwte[i]; }
  dwte[i] = sum;
}

// dwpe[t,c] (+)= Σ_b dout[b·T + t, c] for t < T; rows T..Tmax−1 get no gradient (0 when overwriting)
@compute @workgroup_size(64)
fn embedding_backward_positions(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.Tmax * p.C) { return; }
  let t = i / p.C;
  let c = i % p.C;
  var sum = 0.0;
  if (t < p.T) {
    for (var b = 0u; b < p.B; b++) { sum += dout_pos[(b * p.T + t) * p.C + c]; }
  }
  if (p.accumulate != 0u) { sum += dwpe[i]; }
  dwpe[i] = sum;
}

// Rows at given positions (packed rows, src/rl/packing.ts): row r sits at positions[r] < Tmax.
// (Their position gradients reuse the token path: rows grouped by position, then summed in row order.)
@group(0) @binding(5) var<storage, read> f_positions: array<u32>;

// out[r,c] = wte[tokens[r], c] + wpe[positions[r], c]
@compute @workgroup_size(64)
fn embedding_forward_at(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.T * p.C) { return; }
  let r = i / p.C;
  let c = i % p.C;
  out[i] = wte[tokens[r] * p.C + c] + wpe[f_positions[r] * p.C + c];
}
