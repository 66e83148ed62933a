// The product tiles shared by matmul.wgsl, matmul-fused.wgsl and
// decode-block.wgsl: the uniforms' struct and one function per layout that
// returns the 8×16 accumulator tile at (m0, n0). Entry points add their own
// stores (epilogues), so every variant sums over k in the same order and
// agrees bit for bit. The includer declares `p` (a Params: a uniform, or a
// private variable set per product) and the loaders load_a4(i) and
// load_b4(i), the vec4 at index i of A and of B (matmul-bindings.wgsl binds
// them for the plain kernels), and sets `lane` (below) before a product.

struct Params {
  M: u32,
  K: u32,
  N: u32,
  // matmul.wgsl: bit 0 add bias, bit 1 add into the existing C; matmul-fused.wgsl adds its epilogue bits
  flags: u32,
  // element strides of A(m, k) and B(k, n), used by `general`
  a_m: u32,
  a_k: u32,
  b_k: u32,
  b_n: u32,
  // nt_v4_res_ln (matmul-fused.wgsl): where the layer norm's bias starts after its weight (vec4s), and its rstds after its means
  ln_b_at: u32,
  rstd_at: u32,
}

// Rows and columns of C one invocation accumulates.
const TILE_M = 8u;
const TILE_N = 16u;
// Invocations per workgroup along N (x) and M (y), pipeline constants chosen
// by adapter (src/gpu/kernels/matmul.ts): 1×4 on CPU adapters, where the four
// invocations are one SIMD group and share their 16 columns of B through
// subgroup broadcasts (SUBGROUPS), 4×4 on GPUs. They change only which
// invocation computes a tile, never the sums.
override WG_X: u32 = 4u;
override WG_Y: u32 = 4u;
const BLOCK_OFFSETS = vec4<u32>(0u, 4u, 8u, 12u);

// This invocation's place among the four sharing B (local_invocation_id.y; with SUBGROUPS, its subgroup lane).
var<private> lane: u32;

// A's two 4×4 operand blocks, for rows m0 and m0+4.
struct Pair {
  q0: mat4x4<f32>,
  q1: mat4x4<f32>,
}

// B's four 4×4 operand blocks, for columns n0, n0+4, n0+8, n0+12.
struct Quad {
  q0: mat4x4<f32>,
  q1: mat4x4<f32>,
  q2: mat4x4<f32>,
  q3: mat4x4<f32>,
}

// The 8×16 accumulator tile; cIJ is the block at rows m0+4I, columns n0+4J.
struct Tile {
  c00: mat4x4<f32>, c01: mat4x4<f32>, c02: mat4x4<f32>, c03: mat4x4<f32>,
  c10: mat4x4<f32>, c11: mat4x4<f32>, c12: mat4x4<f32>, c13: mat4x4<f32>,
}

fn tile_fma(t: Tile, a: Pair, b: Quad) -> Tile {
  return Tile(
    t.c00 + b.q0 * a.q0, t.c01 + b.q1 * a.q0, t.c02 + b.q2 * a.q0, t.c03 + b.q3 * a.q0,
    t.c10 + b.q0 * a.q1, t.c11 + b.q1 * a.q1, t.c12 + b.q2 * a.q1, t.c13 + b.q3 * a.q1,
  );
}

// ------------------------------------------------------------ vec4 path

// Four consecutive vec4 rows (`stride` vec4s apart) starting at vec4 index `at`, as columns.
fn a4_rows(at: u32, stride: u32) -> mat4x4<f32> {
  return mat4x4<f32>(load_a4(at), load_a4(at + stride), load_a4(at + 2u * stride), load_a4(at + 3u * stride));
}

//!if SUBGROUPS
// The same four rows of B for all four invocations of a SIMD group: each
// loads one and broadcasts it, so a CPU adapter makes one gather where it
// would make four (the values, and so the sums, are the same).
fn b4_rows(at: u32, stride: u32) -> mat4x4<f32> {
  let v = load_b4(at + lane * stride);
  return mat4x4<f32>(subgroupBroadcast(v, 0u), subgroupBroadcast(v, 1u), subgroupBroadcast(v, 2u), subgroupBroadcast(v, 3u));
}
//!else
fn b4_rows(at: u32, stride: u32) -> mat4x4<f32> {
  return mat4x4<f32>(load_b4(at), load_b4(at + stride), load_b4(at + 2u * stride), load_b4(at + 3u * stride));
}
//!endif

// First row (or column) of each 4-block of a tile starting at `start`, clamped so blocks stay inside `size`.
fn block_starts(start: u32, size: u32) -> vec4<u32> {
  return min(start + BLOCK_OFFSETS, vec4<u32>(size - 4u));
}

fn row_starts(start: u32, size: u32) -> vec2<u32> {
  return block_starts(start, size).xy;
}

// C[M,N] = A[M,K] · B[K,N]   (dX = dY · W in the backward pass of y = x·Wᵀ)
fn nn_v4_product(m0: u32, n0: u32) -> Tile {
  let kq = p.K / 4u;
  let nq = p.N / 4u;
  let a_at = row_starts(m0, p.M) * kq;
  let b_at = block_starts(n0, p.N) / 4u;
  var t: Tile;
  for (var k = 0u; k < kq; k++) {
    let a = Pair(a4_rows(a_at.x + k, kq), a4_rows(a_at.y + k, kq));
    let row = 4u * k * nq;
    let b = Quad(b4_rows(row + b_at.x, nq), b4_rows(row + b_at.y, nq), b4_rows(row + b_at.z, nq), b4_rows(row + b_at.w, nq));
    t = tile_fma(t, a, b);
  }
  return t;
}

// B's four blocks at vec4 k for 'nt': rows of B[N,K] run along k; transposed, their columns run along n.
fn nt_b_quad(b_at: vec4<u32>, k: u32, kq: u32) -> Quad {
  return Quad(transpose(b4_rows(b_at.x + k, kq)), transpose(b4_rows(b_at.y + k, kq)), transpose(b4_rows(b_at.z + k, kq)), transpose(b4_rows(b_at.w + k, kq)));
}

// C[M,N] = A[M,K] · B[N,K]ᵀ   (y = x·Wᵀ with W stored [out, in])
fn nt_v4_product(m0: u32, n0: u32) -> Tile {
  let kq = p.K / 4u;
  let a_at = row_starts(m0, p.M) * kq;
  let b_at = block_starts(n0, p.N) * kq;
  var t: Tile;
  for (var k = 0u; k < kq; k++) {
    let a = Pair(a4_rows(a_at.x + k, kq), a4_rows(a_at.y + k, kq));
    t = tile_fma(t, a, nt_b_quad(b_at, k, kq));
  }
  return t;
}

// C[M,N] = A[K,M]ᵀ · B[K,N]   (dW = dYᵀ · X in the backward pass of y = x·Wᵀ)
fn tn_v4_product(m0: u32, n0: u32) -> Tile {
  let mq = p.M / 4u;
  let nq = p.N / 4u;
  let a_at = row_starts(m0, p.M) / 4u;
  let b_at = block_starts(n0, p.N) / 4u;
  var t: Tile;
  for (var k = 0u; k < p.K; k += 4u) {
    // Rows of A[K,M] run along m; transposed, their columns run along k.
    let a_row = k * mq;
    let a = Pair(transpose(a4_rows(a_row + a_at.x, mq)), transpose(a4_rows(a_row + a_at.y, mq)));
    let b_row = k * nq;
    let b = Quad(b4_rows(b_row + b_at.x, nq), b4_rows(b_row + b_at.y, nq), b4_rows(b_row + b_at.z, nq), b4_rows(b_row + b_at.w, nq));
    t = tile_fma(t, a, b);
  }
  return t;
}

// The first row and column of C that invocation (wid, lid) accumulates; sets `lane`. Invocations
// past C's edge still run the product, on clamped loads, so that all four share B; their stores are skipped.
fn tile_origin(wid: vec3<u32>, lid: vec3<u32>) -> vec2<u32> {
  lane = lid.y;
  return vec2<u32>(wid.y * TILE_M * WG_Y + lid.y * TILE_M, wid.x * TILE_N * WG_X + lid.x * TILE_N);
}
