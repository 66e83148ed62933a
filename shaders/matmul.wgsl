// Matrix products C[M,N] = A·B in three storage layouts, and column sums.
//
// Each invocation owns an 8×16 tile of C: eight 4×4 blocks, each a mat4x4
// whose columns are rows of C. A 4-deep slice of K becomes one mat4×mat4
// product per block, block(i,j) += Bⱼ · Aᵢ, where column r of Aᵢ is row r of A
// over the 4 k's and column kk of Bⱼ is row kk of B over 4 n's. On a CPU
// adapter every load is a per-lane gather: there the four invocations of a
// workgroup stack along M and share B's columns (matmul-core.wgsl), so 24
// gathers feed 512 multiply-adds per 4-deep step and the tile fits in far
// fewer registers than a 16×16 one. The code is unrolled by hand because
// indexing arrays in loops spills them to memory. Every element sums over k
// in increasing order, so results are bit-reproducible.
//
// Two paths: *_v4 entries load vec4s and need M, K and N to be multiples of 4
// (the wrapper checks); `general` loads scalars through runtime strides and
// takes any shape. Edge tiles clamp load indices into range; the values they
// load feed only outputs that are never stored.

//!if SUBGROUPS
enable subgroups;
//!endif
//!include matmul-bindings.wgsl

@group(0) @binding(3) var<storage, read> bias4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> c4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias1: array<f32>;
@group(0) @binding(4) var<storage, read_write> c1: array<f32>;
@group(0) @binding(2) var<storage, read_write> column_sums: array<f32>;

// Adds bias and the old C as the flags ask, then writes rows m..m+3 at vec4 column nq.
fn store_v4(m: u32, nq: u32, block: mat4x4<f32>) {
  if (m >= p.M || nq * 4u >= p.N) { return; }
  let row_vec4s = p.N / 4u;
  var extra = vec4<f32>(0.0);
  if ((p.flags & 1u) != 0u) { extra = bias4[nq]; }
  for (var r = 0u; r < 4u; r++) {
    let i = (m + r) * row_vec4s + nq;
    var v = block[r] + extra;
    if ((p.flags & 2u) != 0u) { v += c4[i]; }
    c4[i] = v;
  }
}

fn store_tile_v4(m0: u32, n0: u32, t: Tile) {
  let nq = n0 / 4u;
  store_v4(m0, nq, t.c00); store_v4(m0, nq + 1u, t.c01); store_v4(m0, nq + 2u, t.c02); store_v4(m0, nq + 3u, t.c03);
  store_v4(m0 + 4u, nq, t.c10); store_v4(m0 + 4u, nq + 1u, t.c11); store_v4(m0 + 4u, nq + 2u, t.c12); store_v4(m0 + 4u, nq + 3u, t.c13);
}

fn store_general(m: u32, n: u32, block: mat4x4<f32>) {
  for (var r = 0u; r < 4u; r++) {
    if (m + r >= p.M) { return; }
    for (var j = 0u; j < 4u; j++) {
      if (n + j >= p.N) { break; }
      let i = (m + r) * p.N + n + j;
      var v = block[r][j];
      if ((p.flags & 1u) != 0u) { v += bias1[n + j]; }
      if ((p.flags & 2u) != 0u) { v += c1[i]; }
      c1[i] = v;
    }
  }
}

// C[M,N] = A[M,K] · B[K,N]   (dX = dY · W in the backward pass of y = x·Wᵀ)
@compute @workgroup_size(WG_X, WG_Y)
fn nn_v4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = tile_origin(wid, lid);
  store_tile_v4(o.x, o.y, nn_v4_product(o.x, o.y));
}

// C[M,N] = A[M,K] · B[N,K]ᵀ   (y = x·Wᵀ with W stored [out, in])
@compute @workgroup_size(WG_X, WG_Y)
fn nt_v4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = tile_origin(wid, lid);
  store_tile_v4(o.x, o.y, nt_v4_product(o.x, o.y));
}

// C[M,N] = A[K,M]ᵀ · B[K,N]   (dW = dYᵀ · X in the backward pass of y = x·Wᵀ)
@compute @workgroup_size(WG_X, WG_Y)
fn tn_v4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = tile_origin(wid, lid);
  store_tile_v4(o.x, o.y, tn_v4_product(o.x, o.y));
}

// C[M,N] = A·B for any shape and layout, A(m,k) = a[m·a_m + k·a_k], B(k,n) = b[k·b_k + n·b_n]
@compute @workgroup_size(WG_X, WG_Y)
fn general(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = tile_origin(wid, lid);
  let m0 = o.x;
  let n0 = o.y;
  let t = general_product(m0, n0);
  store_general(m0, n0, t.c00); store_general(m0, n0 + 4u, t.c01); store_general(m0, n0 + 8u, t.c02); store_general(m0, n0 + 12u, t.c03);
  store_general(m0 + 4u, n0, t.c10); store_general(m0 + 4u, n0 + 4u, t.c11); store_general(m0 + 4u, n0 + 8u, t.c12); store_general(m0 + 4u, n0 + 12u, t.c13);
}

// ---------------------------------------------------------- column sums

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
