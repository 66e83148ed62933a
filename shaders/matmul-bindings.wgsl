// The bindings of the plain matrix-product kernels (matmul.wgsl,
// matmul-fused.wgsl): the uniforms, A and B as vec4s for the products of
// matmul-core.wgsl and as scalars for the general path, which takes any shape
// and layout through runtime strides.

//!include matmul-core.wgsl

@group(0) @binding(0) var<uniform> p: Params;

// The vec4 products read these…
@group(0) @binding(1) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b4: array<vec4<f32>>;
// …and the general product these (no entry point uses both views).
@group(0) @binding(1) var<storage, read> a1: array<f32>;
@group(0) @binding(2) var<storage, read> b1: array<f32>;

fn load_a4(i: u32) -> vec4<f32> {
  return a4[i];
}

fn load_b4(i: u32) -> vec4<f32> {
  return b4[i];
}

// --------------------------------------------------------- general path

// A(m, k) for 4 rows (element offsets `rows`) and 4 k's (offsets `ks`); column r is row r.
fn a1_block(rows: vec4<u32>, ks: vec4<u32>) -> mat4x4<f32> {
  return mat4x4<f32>(
    vec4<f32>(a1[rows.x + ks.x], a1[rows.x + ks.y], a1[rows.x + ks.z], a1[rows.x + ks.w]),
    vec4<f32>(a1[rows.y + ks.x], a1[rows.y + ks.y], a1[rows.y + ks.z], a1[rows.y + ks.w]),
    vec4<f32>(a1[rows.z + ks.x], a1[rows.z + ks.y], a1[rows.z + ks.z], a1[rows.z + ks.w]),
    vec4<f32>(a1[rows.w + ks.x], a1[rows.w + ks.y], a1[rows.w + ks.z], a1[rows.w + ks.w]));
}

// B(k, n) for 4 k's and 4 columns; column kk is row kk, zeroed where `live` is false.
fn b1_block(ks: vec4<u32>, cols: vec4<u32>, live: vec4<bool>) -> mat4x4<f32> {
  let zero = vec4<f32>(0.0);
  return mat4x4<f32>(
    select(zero, vec4<f32>(b1[ks.x + cols.x], b1[ks.x + cols.y], b1[ks.x + cols.z], b1[ks.x + cols.w]), live.x),
    select(zero, vec4<f32>(b1[ks.y + cols.x], b1[ks.y + cols.y], b1[ks.y + cols.z], b1[ks.y + cols.w]), live.y),
    select(zero, vec4<f32>(b1[ks.z + cols.x], b1[ks.z + cols.y], b1[ks.z + cols.z], b1[ks.z + cols.w]), live.z),
    select(zero, vec4<f32>(b1[ks.w + cols.x], b1[ks.w + cols.y], b1[ks.w + cols.z], b1[ks.w + cols.w]), live.w));
}

// Element offsets of rows (or columns) start..start+3, clamped to the last one, times `stride`.
fn clamped_offsets(start: u32, size: u32, stride: u32) -> vec4<u32> {
  return min(start + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(size - 1u)) * stride;
}

// The 16 columns of a tile as four vec4s of element offsets…
struct Offsets {
  o0: vec4<u32>,
  o1: vec4<u32>,
  o2: vec4<u32>,
  o3: vec4<u32>,
}

fn tile_offsets(start: u32, size: u32, stride: u32) -> Offsets {
  return Offsets(clamped_offsets(start, size, stride), clamped_offsets(start + 4u, size, stride), clamped_offsets(start + 8u, size, stride), clamped_offsets(start + 12u, size, stride));
}

// …and its 8 rows as two.
struct RowOffsets {
  o0: vec4<u32>,
  o1: vec4<u32>,
}

fn tile_row_offsets(start: u32, size: u32, stride: u32) -> RowOffsets {
  return RowOffsets(clamped_offsets(start, size, stride), clamped_offsets(start + 4u, size, stride));
}

fn general_step(t: Tile, rows: RowOffsets, cols: Offsets, ks: vec4<u32>, live: vec4<bool>) -> Tile {
  let ka = ks * p.a_k;
  let kb = ks * p.b_k;
  let a = Pair(a1_block(rows.o0, ka), a1_block(rows.o1, ka));
  let b = Quad(b1_block(kb, cols.o0, live), b1_block(kb, cols.o1, live), b1_block(kb, cols.o2, live), b1_block(kb, cols.o3, live));
  return tile_fma(t, a, b);
}

// C[M,N] = A·B for any shape and layout, A(m,k) = a[m·a_m + k·a_k], B(k,n) = b[k·b_k + n·b_n]
fn general_product(m0: u32, n0: u32) -> Tile {
  let rows = tile_row_offsets(m0, p.M, p.a_m);
  let cols = tile_offsets(n0, p.N, p.b_n);
  let lane4 = vec4<u32>(0u, 1u, 2u, 3u);
  var t: Tile;
  let k_full = p.K & ~3u;
  for (var k = 0u; k < k_full; k += 4u) {
    t = general_step(t, rows, cols, k + lane4, vec4<bool>(true));
  }
  if (k_full < p.K) {
    // The last 1–3 k's: clamp the indices into range and zero the missing rows of B.
    t = general_step(t, rows, cols, min(k_full + lane4, vec4<u32>(p.K - 1u)), k_full + lane4 < vec4<u32>(p.K));
  }
  return t;
}
