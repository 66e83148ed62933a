// Row gathers for packing minibatches. Values are moved as raw 32-bit words,
// so one kernel serves f32 and u32 tensors alike.

struct Params {
  rows: u32,
  width: u32,
  srcWidth: u32,
  indexOffset: u32,
  // The same rows of `planes` equally spaced arrays at once: plane k of src starts at k·srcPlane, of dst at k·dstPlane.
  planes: u32,
  srcPlane: u32,
  dstPlane: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> index: array<u32>;
@group(0) @binding(3) var<storage, read_write> dst: array<u32>;

const WG = 256u;

// dst_k[r, c] = src_k[index[indexOffset + r], c] for c < width ≤ srcWidth, in every plane k: chosen rows of
// [·, srcWidth] matrices, cut to width columns.
@compute @workgroup_size(256)
fn gather_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * WG;
  let n = p.rows * p.width;
  if (i >= p.planes * n) { return; }
  let k = i / n;
  let j = i % n;
  let r = j / p.width;
  let c = j % p.width;
  dst[k * p.dstPlane + j] = src[k * p.srcPlane + index[p.indexOffset + r] * p.srcWidth + c];
}
