// Token + position embedding. Rows are the B·T positions of right-padded
// sequences; row r sits at position r % T. The backward pass gathers each
// gradient row in row order (WGSL has no float atomics), so reruns are
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

// backward
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read_write> dwte: array<f32>;
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

var<workgroup> tile: array<u32, WG>;

fn write_grad(i: u32, g: f32) {
  if (p.accumulate != 0u) { dwte[i] += g; } else { dwte[i] = g; }
}

// dwte[v,c] (+)= Σ_{r : tokens[r] = v} dout[r,c]   (one workgroup per vocabulary row and block of 64 channels)
@compute @workgroup_size(64)
fn embedding_backward_tokens(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let blocks = (p.C + WG - 1u) / WG;
  let g = wid.x + wid.y * nwg.x;
  if (g >= p.V * blocks) { return; }
  let v = g / blocks;
  let c = (g % blocks) * WG + lid;
  let rows = p.B * p.T;
  var sum = 0.0;
  // Every invocation scans the same tokens, staged 64 at a time in workgroup memory.
  for (var start = 0u; start < rows; start += WG) {
    let r = start + lid;
    tile[lid] = select(0xffffffffu, tokens[min(r, rows - 1u)], r < rows);
    workgroupBarrier();
    let count = min(WG, rows - start);
    if (c < p.C) {
      for (var k = 0u; k < count; k++) {
        if (tile[k] == v) { sum += dout[(start + k) * p.C + c]; }
      }
    }
    workgroupBarrier();
  }
  if (c < p.C) { write_grad(v * p.C + c, sum); }
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
  if (p.accumulate != 0u) { dwpe[i] += sum; } else { dwpe[i] = sum; }
}
