// The product tiles shared by matmul.wgsl, matmul-fused.wgsl and
// decode-block.wgsl: the uniforms' struct and one function per layout that
// returns the 16×16 accumulator tile at (m0, n0). Entry points add their own
// stores (epilogues), so every variant sums over k in the same order and
// agrees bit for bit. The includer declares `p` (a Params: a uniform, or a
// private variable set per product) and the loaders load_a4(i) and
// load_b4(i), the vec4 at index i of A and of B (matmul-bindings.wgsl binds
// them for the plain kernels).

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

const TILE = 16u;
// Invocations per workgroup side, a pipeline constant chosen by adapter
// (src/gpu/kernels/matmul.ts): 2 on CPU adapters, where four invocations fill
// a SIMD group and small products need many workgroups to spread over cores,
// 4 on GPUs. It changes only which invocation computes a tile, never the sums.
override WG_SIDE: u32 = 4u;
const BLOCK_OFFSETS = vec4<u32>(0u, 4u, 8u, 12u);

// Four 4×4 operand blocks: A's for rows m0, m0+4, …, or B's for columns n0, n0+4, ….
struct Quad {
  q0: mat4x4<f32>,
  q1: mat4x4<f32>,
  q2: mat4x4<f32>,
  q3: mat4x4<f32>,
}

// The 16×16 accumulator tile; cIJ is the block at rows m0+4I, columns n0+4J.
struct Tile {
  c00: mat4x4<f32>, c01: mat4x4<f32>, c02: mat4x4<f32>, c03: mat4x4<f32>,
  c10: mat4x4<f32>, c11: mat4x4<f32>, c12: mat4x4<f32>, c13: mat4x4<f32>,
  c20: mat4x4<f32>, c21: mat4x4<f32>, c22: mat4x4<f32>, c23: mat4x4<f32>,
  c30: mat4x4<f32>, c31: mat4x4<f32>, c32: mat4x4<f32>, c33: mat4x4<f32>,
}

fn tile_fma(t: Tile, a: Quad, b: Quad) -> Tile {
  return Tile(
    t.c00 + b.q0 * a.q0, t.c01 + b.q1 * a.q0, t.c02 + b.q2 * a.q0, t.c03 + b.q3 * a.q0,
    t.c10 + b.q0 * a.q1, t.c11 + b.q1 * a.q1, t.c12 + b.q2 * a.q1, t.c13 + b.q3 * a.q1,
    t.c20 + b.q0 * a.q2, t.c21 + b.q1 * a.q2, t.c22 + b.q2 * a.q2, t.c23 + b.q3 * a.q2,
    t.c30 + b.q0 * a.q3, t.c31 + b.q1 * a.q3, t.c32 + b.q2 * a.q3, t.c33 + b.q3 * a.q3,
  );
}

// ------------------------------------------------------------ vec4 path

// Four consecutive vec4 rows (`stride` vec4s apart) starting at vec4 index `at`, as columns.
fn a4_rows(at: u32, stride: u32) -> mat4x4<f32> {
  return mat4x4<f32>(load_a4(at), load_a4(at + stride), load_a4(at + 2u * stride), load_a4(at + 3u * stride));
}

fn b4_rows(at: u32, stride: u32) -> mat4x4<f32> {
  return mat4x4<f32>(load_b4(at), load_b4(at + stride), load_b4(at + 2u * stride), load_b4(at + 3u * stride));
}

// First row (or column) of each 4-block of a tile starting at `start`, clamped so blocks stay inside `size`.
fn block_starts(start: u32, size: u32) -> vec4<u32> {
  return min(start + BLOCK_OFFSETS, vec4<u32>(size - 4u));
}

// C[M,N] = A[M,K] · B[K,N]   (dX = dY · W in the backward pass of y = x·Wᵀ)
fn nn_v4_product(m0: u32, n0: u32) -> Tile {
  let kq = p.K / 4u;
  let nq = p.N / 4u;
  let a_at = block_starts(m0, p.M) * kq;
  let b_at = block_starts(n0, p.N) / 4u;
  var t: Tile;
  for (var k = 0u; k < kq; k++) {
    let a = Quad(a4_rows(a_at.x + k, kq), a4_rows(a_at.y + k, kq), a4_rows(a_at.z + k, kq), a4_rows(a_at.w + k, kq));
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
  let a_at = block_starts(m0, p.M) * kq;
  let b_at = block_starts(n0, p.N) * kq;
  var t: Tile;
  for (var k = 0u; k < kq; k++) {
    let a = Quad(a4_rows(a_at.x + k, kq), a4_rows(a_at.y + k, kq), a4_rows(a_at.z + k, kq), a4_rows(a_at.w + k, kq));
    t = tile_fma(t, a, nt_b_quad(b_at, k, kq));
  }
  return t;
}

// C[M,N] = A[K,M]ᵀ · B[K,N]   (dW = dYᵀ · X in the backward pass of y = x·Wᵀ)
fn tn_v4_product(m0: u32, n0: u32) -> Tile {
  let mq = p.M / 4u;
  let nq = p.N / 4u;
  let a_at = block_starts(m0, p.M) / 4u;
  let b_at = block_starts(n0, p.N) / 4u;
  var t: Tile;
  for (var k = 0u; k < p.K; k += 4u) {
    // Rows of A[K,M] run along m; transposed, their columns run along k.
    let a_row = k * mq;
    let a = Quad(transpose(a4_rows(a_row + a_at.x, mq)), transpose(a4_rows(a_row + a_at.y, mq)), transpose(a4_rows(a_row + a_at.z, mq)), transpose(a4_rows(a_row + a_at.w, mq)));
    let b_row = k * nq;
    let b = Quad(b4_rows(b_row + b_at.x, nq), b4_rows(b_row + b_at.y, nq), b4_rows(b_row + b_at.z, nq), b4_rows(b_row + b_at.w, nq));
    t = tile_fma(t, a, b);
  }
  return t;
}
