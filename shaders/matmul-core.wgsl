// The product tiles shared by matmul.wgsl and matmul-fused.wgsl: the uniforms,
// the A and B bindings, and one function per layout that returns the 16×16
// accumulator tile at (m0, n0). Entry points add their own stores (epilogues),
// so every variant sums over k in the same order and agrees bit for bit.

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

@group(0) @binding(0) var<uniform> p: Params;

// The vec4 products read these…
@group(0) @binding(1) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b4: array<vec4<f32>>;
// …and the general product these (no entry point uses both views).
@group(0) @binding(1) var<storage, read> a1: array<f32>;
@group(0) @binding(2) var<storage, read> b1: array<f32>;

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
  return mat4x4<f32>(a4[at], a4[at + stride], a4[at + 2u * stride], a4[at + 3u * stride]);
}

fn b4_rows(at: u32, stride: u32) -> mat4x4<f32> {
  return mat4x4<f32>(b4[at], b4[at + stride], b4[at + 2u * stride], b4[at + 3u * stride]);
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

// The 16 rows (or columns) of a tile as four vec4s of element offsets.
struct Offsets {
  o0: vec4<u32>,
  o1: vec4<u32>,
  o2: vec4<u32>,
  o3: vec4<u32>,
}

fn tile_offsets(start: u32, size: u32, stride: u32) -> Offsets {
  return Offsets(clamped_offsets(start, size, stride), clamped_offsets(start + 4u, size, stride), clamped_offsets(start + 8u, size, stride), clamped_offsets(start + 12u, size, stride));
}

fn general_step(t: Tile, rows: Offsets, cols: Offsets, ks: vec4<u32>, live: vec4<bool>) -> Tile {
  let ka = ks * p.a_k;
  let kb = ks * p.b_k;
  let a = Quad(a1_block(rows.o0, ka), a1_block(rows.o1, ka), a1_block(rows.o2, ka), a1_block(rows.o3, ka));
  let b = Quad(b1_block(kb, cols.o0, live), b1_block(kb, cols.o1, live), b1_block(kb, cols.o2, live), b1_block(kb, cols.o3, live));
  return tile_fma(t, a, b);
}

// C[M,N] = A·B for any shape and layout, A(m,k) = a[m·a_m + k·a_k], B(k,n) = b[k·b_k + n·b_n]
fn general_product(m0: u32, n0: u32) -> Tile {
  let rows = tile_offsets(m0, p.M, p.a_m);
  let cols = tile_offsets(n0, p.N, p.b_n);
  let lane = vec4<u32>(0u, 1u, 2u, 3u);
  var t: Tile;
  let k_full = p.K & ~3u;
  for (var k = 0u; k < k_full; k += 4u) {
    t = general_step(t, rows, cols, k + lane, vec4<bool>(true));
  }
  if (k_full < p.K) {
    // The last 1–3 k's: clamp the indices into range and zero the missing rows of B.
    t = general_step(t, rows, cols, min(k_full + lane, vec4<u32>(p.K - 1u)), k_full + lane < vec4<u32>(p.K));
  }
  return t;
}
