// Row gathers for packing minibatches. Values are moved as raw 32-bit words,
// so one kernel serves f32 and u32 tensors alike.

struct Params {
  rows: u32,
  width: u32,
  srcWidth: u32,
  indexOffset: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<u32>;

const WG = 256u;

// dst[r, c] = src[index[indexOffset + r], c] for c < width ≤ srcWidth: chosen rows of a [·, srcWidth] matrix, cut to width columns.
@compute @workgroup_size(256)
fn gather_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.rows * p.width) { return; }
  let r = i / p.width;
  let c = i % p.width;
  dst[i] = src[index[p.indexOffset + r] * p.srcWidth + c];
}
