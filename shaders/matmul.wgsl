// Matrix products C[M,N] = A·B in three storage layouts, and column sums.
//
// Each invocation owns an 8×8 tile of C, held as four mat4x4 accumulators
// whose columns are rows of C. A 4-deep slice of K turns into one mat4×mat4
// product per accumulator: acc += Bblk · Ablk, where column r of Ablk is row r
// of A over the 4 k's and column kk of Bblk is row kk of B over 4 n's. Every
// element sums over k in increasing order, so results are bit-reproducible.
//
// Two paths: *_v4 entries read vec4s and need the loaded dimensions to be
// multiples of 4 (the wrapper checks); `general` reads scalars through
// runtime strides and handles any shape. Edge tiles clamp their load indices
// into range (the extra values feed only outputs that are never stored).

struct Params {
  M: u32,
  K: u32,
  N: u32,
  // bit 0: add bias; bit 1: add into the existing C
  flags: u32,
  // element strides of A(m, k) and B(k, n), used by `general`
  a_m: u32,
  a_k: u32,
  b_k: u32,
  b_n: u32,
}

@group(0) @binding(0) var<uniform> p: Params;

@group(0) @binding(1) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> c4: array<vec4<f32>>;

@group(0) @binding(1) var<storage, read> a1: array<f32>;
@group(0) @binding(2) var<storage, read> b1: array<f32>;
@group(0) @binding(3) var<storage, read> bias1: array<f32>;
@group(0) @binding(4) var<storage, read_write> c1: array<f32>;

const TILE = 8u;

// Adds bias and the old C as the flags ask, then writes rows m..m+3, vec4 column nq.
fn store_v4(m: u32, nq: u32, acc: mat4x4<f32>) {
  if (m >= p.M || nq * 4u >= p.N) { return; }
  let nq_count = p.N / 4u;
  var extra = vec4<f32>(0.0);
  if ((p.flags & 1u) != 0u) { extra = bias4[nq]; }
  for (var r = 0u; r < 4u; r++) {
    let i = (m + r) * nq_count + nq;
    var v = acc[r] + extra;
    if ((p.flags & 2u) != 0u) { v += c4[i]; }
    c4[i] = v;
  }
}

fn store_tile_v4(m0: u32, n0: u32, c00: mat4x4<f32>, c01: mat4x4<f32>, c10: mat4x4<f32>, c11: mat4x4<f32>) {
  store_v4(m0, n0 / 4u, c00);
  store_v4(m0, n0 / 4u + 1u, c01);
  store_v4(m0 + 4u, n0 / 4u, c10);
  store_v4(m0 + 4u, n0 / 4u + 1u, c11);
}

// C[M,N] = A[M,K] · B[K,N]   (dX = dY · W in the backward pass of y = x·Wᵀ)
@compute @workgroup_size(8, 8)
fn nn_v4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * TILE;
  let n0 = gid.x * TILE;
  if (m0 >= p.M || n0 >= p.N) { return; }
  let kq = p.K / 4u;
  let nq = p.N / 4u;
  // A rows (vec4 index of k = 0) and B's vec4 columns, clamped into range.
  let ar0 = min(m0, p.M - 4u) * kq;
  let ar4 = min(m0 + 4u, p.M - 4u) * kq;
  let bc0 = n0 / 4u;
  let bc4 = min(n0 + 4u, p.N - 4u) / 4u;
  var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>();
  var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>();
  for (var k = 0u; k < kq; k++) {
    let a0 = mat4x4<f32>(a4[ar0 + k], a4[ar0 + kq + k], a4[ar0 + 2u * kq + k], a4[ar0 + 3u * kq + k]);
    let a1m = mat4x4<f32>(a4[ar4 + k], a4[ar4 + kq + k], a4[ar4 + 2u * kq + k], a4[ar4 + 3u * kq + k]);
    let row = 4u * k * nq;
    let b0 = mat4x4<f32>(b4[row + bc0], b4[row + nq + bc0], b4[row + 2u * nq + bc0], b4[row + 3u * nq + bc0]);
    let b1m = mat4x4<f32>(b4[row + bc4], b4[row + nq + bc4], b4[row + 2u * nq + bc4], b4[row + 3u * nq + bc4]);
    c00 += b0 * a0; c01 += b1m * a0;
    c10 += b0 * a1m; c11 += b1m * a1m;
  }
  store_tile_v4(m0, n0, c00, c01, c10, c11);
}

// C[M,N] = A[M,K] · B[N,K]ᵀ   (y = x·Wᵀ with W stored [out, in])
@compute @workgroup_size(8, 8)
fn nt_v4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * TILE;
  let n0 = gid.x * TILE;
  if (m0 >= p.M || n0 >= p.N) { return; }
  let kq = p.K / 4u;
  let ar0 = min(m0, p.M - 4u) * kq;
  let ar4 = min(m0 + 4u, p.M - 4u) * kq;
  let br0 = n0 * kq;
  let br4 = min(n0 + 4u, p.N - 4u) * kq;
  var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>();
  var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>();
  for (var k = 0u; k < kq; k++) {
    let a0 = mat4x4<f32>(a4[ar0 + k], a4[ar0 + kq + k], a4[ar0 + 2u * kq + k], a4[ar0 + 3u * kq + k]);
    let a1m = mat4x4<f32>(a4[ar4 + k], a4[ar4 + kq + k], a4[ar4 + 2u * kq + k], a4[ar4 + 3u * kq + k]);
    // Rows of B[N,K] are columns of the K×N operand: transpose the loaded block.
    let b0 = transpose(mat4x4<f32>(b4[br0 + k], b4[br0 + kq + k], b4[br0 + 2u * kq + k], b4[br0 + 3u * kq + k]));
    let b1m = transpose(mat4x4<f32>(b4[br4 + k], b4[br4 + kq + k], b4[br4 + 2u * kq + k], b4[br4 + 3u * kq + k]));
    c00 += b0 * a0; c01 += b1m * a0;
    c10 += b0 * a1m; c11 += b1m * a1m;
  }
  store_tile_v4(m0, n0, c00, c01, c10, c11);
}

// C[M,N] = A[K,M]ᵀ · B[K,N]   (dW = dYᵀ · X in the backward pass of y = x·Wᵀ)
@compute @workgroup_size(8, 8)
fn tn_v4(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * TILE;
  let n0 = gid.x * TILE;
  if (m0 >= p.M || n0 >= p.N) { return; }
  let mq = p.M / 4u;
  let nq = p.N / 4u;
  let ac0 = m0 / 4u;
  let ac4 = min(m0 + 4u, p.M - 4u) / 4u;
  let bc0 = n0 / 4u;
  let bc4 = min(n0 + 4u, p.N - 4u) / 4u;
  var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>();
  var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>();
  for (var k = 0u; k < p.K; k += 4u) {
    let arow = k * mq;
    // Rows of A[K,M] hold 4 m's for one k: transposing gives columns indexed by m.
    let a0 = transpose(mat4x4<f32>(a4[arow + ac0], a4[arow + mq + ac0], a4[arow + 2u * mq + ac0], a4[arow + 3u * mq + ac0]));
    let a1m = transpose(mat4x4<f32>(a4[arow + ac4], a4[arow + mq + ac4], a4[arow + 2u * mq + ac4], a4[arow + 3u * mq + ac4]));
    let brow = k * nq;
    let b0 = mat4x4<f32>(b4[brow + bc0], b4[brow + nq + bc0], b4[brow + 2u * nq + bc0], b4[brow + 3u * nq + bc0]);
    let b1m = mat4x4<f32>(b4[brow + bc4], b4[brow + nq + bc4], b4[brow + 2u * nq + bc4], b4[brow + 3u * nq + bc4]);
    c00 += b0 * a0; c01 += b1m * a0;
    c10 += b0 * a1m; c11 += b1m * a1m;
  }
  store_tile_v4(m0, n0, c00, c01, c10, c11);
}

// A(m, k) for 4 rows (element offsets `rows`) and 4 k's (offsets `ks`); column r is row r.
fn a_tile(rows: vec4<u32>, ks: vec4<u32>) -> mat4x4<f32> {
  return mat4x4<f32>(
    vec4<f32>(a1[rows.x + ks.x], a1[rows.x + ks.y], a1[rows.x + ks.z], a1[rows.x + ks.w]),
    vec4<f32>(a1[rows.y + ks.x], a1[rows.y + ks.y], a1[rows.y + ks.z], a1[rows.y + ks.w]),
    vec4<f32>(a1[rows.z + ks.x], a1[rows.z + ks.y], a1[rows.z + ks.z], a1[rows.z + ks.w]),
    vec4<f32>(a1[rows.w + ks.x], a1[rows.w + ks.y], a1[rows.w + ks.z], a1[rows.w + ks.w]));
}

// B(k, n) for 4 k's and 4 columns; column kk is row kk, zeroed where `live` is false.
fn b_tile(ks: vec4<u32>, cols: vec4<u32>, live: vec4<bool>) -> mat4x4<f32> {
  let zero = vec4<f32>(0.0);
  return mat4x4<f32>(
    select(zero, vec4<f32>(b1[ks.x + cols.x], b1[ks.x + cols.y], b1[ks.x + cols.z], b1[ks.x + cols.w]), live.x),
    select(zero, vec4<f32>(b1[ks.y + cols.x], b1[ks.y + cols.y], b1[ks.y + cols.z], b1[ks.y + cols.w]), live.y),
    select(zero, vec4<f32>(b1[ks.z + cols.x], b1[ks.z + cols.y], b1[ks.z + cols.z], b1[ks.z + cols.w]), live.z),
    select(zero, vec4<f32>(b1[ks.w + cols.x], b1[ks.w + cols.y], b1[ks.w + cols.z], b1[ks.w + cols.w]), live.w));
}

fn store_general(m: u32, n: u32, acc: mat4x4<f32>) {
  for (var r = 0u; r < 4u; r++) {
    if (m + r >= p.M) { return; }
    for (var j = 0u; j < 4u; j++) {
      if (n + j >= p.N) { break; }
      let i = (m + r) * p.N + n + j;
      var v = acc[r][j];
      if ((p.flags & 1u) != 0u) { v += bias1[n + j]; }
      if ((p.flags & 2u) != 0u) { v += c1[i]; }
      c1[i] = v;
    }
  }
}

// C[M,N] = A·B for any shape and layout, A(m,k) = a[m·a_m + k·a_k], B(k,n) = b[k·b_k + n·b_n]
@compute @workgroup_size(8, 8)
fn general(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m0 = gid.y * TILE;
  let n0 = gid.x * TILE;
  if (m0 >= p.M || n0 >= p.N) { return; }
  let lane = vec4<u32>(0u, 1u, 2u, 3u);
  let rows0 = min(m0 + lane, vec4<u32>(p.M - 1u)) * p.a_m;
  let rows4 = min(m0 + 4u + lane, vec4<u32>(p.M - 1u)) * p.a_m;
  let cols0 = min(n0 + lane, vec4<u32>(p.N - 1u)) * p.b_n;
  let cols4 = min(n0 + 4u + lane, vec4<u32>(p.N - 1u)) * p.b_n;
  let all_live = vec4<bool>(true);
  var c00 = mat4x4<f32>(); var c01 = mat4x4<f32>();
  var c10 = mat4x4<f32>(); var c11 = mat4x4<f32>();
  let k_full = p.K & ~3u;
  for (var k = 0u; k < k_full; k += 4u) {
    let a0 = a_tile(rows0, (k + lane) * p.a_k);
    let a1m = a_tile(rows4, (k + lane) * p.a_k);
    let b0 = b_tile((k + lane) * p.b_k, cols0, all_live);
    let b1m = b_tile((k + lane) * p.b_k, cols4, all_live);
    c00 += b0 * a0; c01 += b1m * a0;
    c10 += b0 * a1m; c11 += b1m * a1m;
  }
  if (k_full < p.K) {
    // The last 1–3 k's: clamp the indices in range and zero the missing rows of B.
    let ks = min(k_full + lane, vec4<u32>(p.K - 1u));
    let live = k_full + lane < vec4<u32>(p.K);
    let a0 = a_tile(rows0, ks * p.a_k);
    let a1m = a_tile(rows4, ks * p.a_k);
    let b0 = b_tile(ks * p.b_k, cols0, live);
    let b1m = b_tile(ks * p.b_k, cols4, live);
    c00 += b0 * a0; c01 += b1m * a0;
    c10 += b0 * a1m; c11 += b1m * a1m;
  }
  store_general(m0, n0, c00);
  store_general(m0, n0 + 4u, c01);
  store_general(m0 + 4u, n0, c10);
  store_general(m0 + 4u, n0 + 4u, c11);
}

@group(0) @binding(2) var<storage, read_write> column_sums: array<f32>;

// column_sums[n] (+)= Σ_m X[m, n]   (the bias gradient: db = Σ_rows dY)
@compute @workgroup_size(64)
fn column_sum(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  if (n >= p.N) { return; }
  var s = 0.0;
  for (var m = 0u; m < p.M; m++) { s += a1[m * p.N + n]; }
  if ((p.flags & 2u) != 0u) { s += column_sums[n]; }
  column_sums[n] = s;
}
