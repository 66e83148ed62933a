// Shared by attention.wgsl (one invocation per row) and attention-tiled.wgsl
// (workgroup memory): the uniforms, the qkv layout and the head size.

struct Params {
  B: u32,
  T: u32, // training: sequence length; decode: cache length Tmax
  C: u32,
  H: u32,
  hs: u32,
  scale: f32, // 1/√hs
}

@group(0) @binding(0) var<uniform> p: Params;

// Offset of head h's q (part 0), k (1) or v (2) slice in row `row` of qkv.
fn qkv_offset(row: u32, part: u32, h: u32) -> u32 {
  return row * 3u * p.C + part * p.C + h * p.hs;
}

// The head size is a pipeline constant, so the per-head loops have a fixed
// trip count and the driver can keep q, dout and the accumulators in
// registers instead of re-reading them from storage for every key.
override HS: u32 = 1u;
const MAX_HS = 128u;
const MAX_HS4 = MAX_HS / 4u;
