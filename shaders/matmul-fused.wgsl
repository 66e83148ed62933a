// Matrix products with their neighbours folded in, to save dispatches (and a
// round trip of the activations through memory):
//   y = gelu(x·Wᵀ + b), optionally also writing the pre-activation x·Wᵀ + b;
//   y = r + x·Wᵀ + b (the residual add);
//   dx = (dy·W) ⊙ gelu'(pre) (the MLP's backward through its GELU);
//   dW (+)= dyᵀ·x with db (+)= Σ_rows dy in the same dispatch;
//   y = LN(x)·Wᵀ + b (+ any epilogue above): the layer norm as the product's
//   prologue, for a forward that keeps no normalised activations (the sampler);
//   y = r + x·Wᵀ + b, then LN(y) beside it: the next layer norm as the
//   residual product's epilogue, where one workgroup spans y's rows.
// The product is matmul-core.wgsl's, and each epilogue repeats the unfused
// kernels' arithmetic (matmul.wgsl's store, elementwise.wgsl's add and GELU,
// column_sum's order), so fused and unfused results agree bit for bit.

//!if SUBGROUPS
enable subgroups;
//!endif
//!include matmul-bindings.wgsl
//!include gelu.wgsl
//!include layernorm-row.wgsl

const FLAG_BIAS = 1u;
const FLAG_ACCUMULATE = 2u;
const FLAG_GELU = 4u;          // y = gelu(v)
const FLAG_SAVE_PRE = 8u;      // pre_out = v before the GELU
const FLAG_RESIDUAL = 16u;     // v = r + v
const FLAG_GELU_BACKWARD = 32u; // y = v · gelu'(pre)
const FLAG_ROW_SUMS = 64u;     // row_sums[m] (+)= Σ_k A(m, k): the bias gradient when A = dYᵀ
const FLAG_ROW_SUMS_ACCUMULATE = 128u;

@group(0) @binding(3) var<storage, read> bias4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> c4: array<vec4<f32>>;
// the residual r or the pre-activation read by the GELU backward
@group(0) @binding(5) var<storage, read> side4: array<vec4<f32>>;
// the pre-activation written beside a GELU, or the row sums
@group(0) @binding(6) var<storage, read_write> side_out4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias1: array<f32>;
@group(0) @binding(4) var<storage, read_write> c1: array<f32>;
@group(0) @binding(5) var<storage, read> side1: array<f32>;
@group(0) @binding(6) var<storage, read_write> side_out1: array<f32>;
// the layer norm's weight and bias (nt_v4_ln); nt_v4_res_ln reads both from ln_w4, the bias p.ln_b_at vec4s in,
// and writes the means and rstds (p.rstd_at after them) to ln_stats
@group(0) @binding(7) var<storage, read> ln_w4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> ln_b4: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> ln_stats: array<f32>;

// The flags are a pipeline constant (the same bits as p.flags), so each
// variant compiles without the branches it does not take: a lean epilogue
// keeps the accumulator tile in registers on CPU adapters.
override FLAGS: u32 = 0u;
// The layer norm's epsilon (nt_v4_ln, nt_v4_res_ln), set from src/gpu/reference/layernorm.ts.
override LN_EPS: f32 = 0.0;

fn has(flag: u32) -> bool {
  return (FLAGS & flag) != 0u;
}

fn epilogue_v4(i: u32, value: vec4<f32>) -> vec4<f32> {
  var v = value;
  if (has(FLAG_ACCUMULATE)) { v += c4[i]; }
  if (has(FLAG_RESIDUAL)) { v = side4[i] + v; }
  if (has(FLAG_SAVE_PRE)) { side_out4[i] = v; }
  if (has(FLAG_GELU)) { v = gelu_and_slope(v)[0]; }
  if (has(FLAG_GELU_BACKWARD)) { v = v * gelu_and_slope(side4[i])[1]; }
  return v;
}

fn epilogue_1(i: u32, value: f32) -> f32 {
  var v = value;
  if (has(FLAG_ACCUMULATE)) { v += c1[i]; }
  if (has(FLAG_RESIDUAL)) { v = side1[i] + v; }
  if (has(FLAG_SAVE_PRE)) { side_out1[i] = v; }
  if (has(FLAG_GELU)) { v = gelu_and_slope(vec4(v))[0].x; }
  if (has(FLAG_GELU_BACKWARD)) { v = v * gelu_and_slope(vec4(side1[i]))[1].x; }
  return v;
}

fn store_fused_v4(m: u32, nq: u32, block: mat4x4<f32>) {
  if (m >= p.M || nq * 4u >= p.N) { return; }
  let row_vec4s = p.N / 4u;
  var extra = vec4<f32>(0.0);
  if (has(FLAG_BIAS)) { extra = bias4[nq]; }
  for (var r = 0u; r < 4u; r++) {
    let i = (m + r) * row_vec4s + nq;
    c4[i] = epilogue_v4(i, block[r] + extra);
  }
}

fn store_fused_tile_v4(m0: u32, n0: u32, t: Tile) {
  let nq = n0 / 4u;
  store_fused_v4(m0, nq, t.c00); store_fused_v4(m0, nq + 1u, t.c01); store_fused_v4(m0, nq + 2u, t.c02); store_fused_v4(m0, nq + 3u, t.c03);
  store_fused_v4(m0 + 4u, nq, t.c10); store_fused_v4(m0 + 4u, nq + 1u, t.c11); store_fused_v4(m0 + 4u, nq + 2u, t.c12); store_fused_v4(m0 + 4u, nq + 3u, t.c13);
}

fn store_fused_1(m: u32, n: u32, block: mat4x4<f32>) {
  for (var r = 0u; r < 4u; r++) {
    if (m + r >= p.M) { return; }
    for (var j = 0u; j < 4u; j++) {
      if (n + j >= p.N) { break; }
      let i = (m + r) * p.N + n + j;
      var v = block[r][j];
      if (has(FLAG_BIAS)) { v += bias1[n + j]; }
      c1[i] = epilogue_1(i, v);
    }
  }
}

// Row sums of A over k in increasing order (the order column_sum sums dY's
// columns in) for the tile's rows m0..m0+7. The invocations of the tile row
// share them, each taking every `tiles_n`-th 4-row group (or row), so no one
// invocation carries the whole tail.
fn tiles_n() -> u32 {
  return (p.N + TILE_N - 1u) / TILE_N;
}

fn row_sums_tn_v4(m0: u32, tile_n: u32) {
  let mq = p.M / 4u;
  for (var g = tile_n; g < TILE_M / 4u; g += tiles_n()) {
    let m = m0 + 4u * g;
    if (m >= p.M) { return; }
    var s = vec4<f32>(0.0);
    for (var k = 0u; k < p.K; k++) { s += a4[k * mq + m / 4u]; }
    if (has(FLAG_ROW_SUMS_ACCUMULATE)) { s += side_out4[m / 4u]; }
    side_out4[m / 4u] = s;
  }
}

fn row_sums_1(m0: u32, tile_n: u32) {
  for (var m = m0 + tile_n; m < min(m0 + TILE_M, p.M); m += tiles_n()) {
    var s = 0.0;
    for (var k = 0u; k < p.K; k++) { s += a1[m * p.a_m + k * p.a_k]; }
    if (has(FLAG_ROW_SUMS_ACCUMULATE)) { s += side_out1[m]; }
    side_out1[m] = s;
  }
}

// C[M,N] = A[M,K] · B[K,N] with an epilogue   (dx = (dy·W) ⊙ gelu'(pre))
@compute @workgroup_size(WG_X, WG_Y)
fn nn_v4_fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = tile_origin(wid, lid);
  store_fused_tile_v4(o.x, o.y, nn_v4_product(o.x, o.y));
}

// C[M,N] = A[M,K] · B[N,K]ᵀ with an epilogue   (y = gelu(x·Wᵀ + b), y = r + x·Wᵀ + b)
@compute @workgroup_size(WG_X, WG_Y)
fn nt_v4_fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = tile_origin(wid, lid);
  store_fused_tile_v4(o.x, o.y, nt_v4_product(o.x, o.y));
}

// C[M,N] = A[K,M]ᵀ · B[K,N] with an epilogue, and A's row sums   (dW (+)= dYᵀ·X, db (+)= Σ_rows dY)
@compute @workgroup_size(WG_X, WG_Y)
fn tn_v4_fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = tile_origin(wid, lid);
  store_fused_tile_v4(o.x, o.y, tn_v4_product(o.x, o.y));
  if (has(FLAG_ROW_SUMS)) { row_sums_tn_v4(o.x, wid.x * WG_X + lid.x); }
}

// Any shape and layout with an epilogue, and A's row sums
@compute @workgroup_size(WG_X, WG_Y)
fn general_fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = tile_origin(wid, lid);
  let m0 = o.x;
  let n0 = o.y;
  let t = general_product(m0, n0);
  store_fused_1(m0, n0, t.c00); store_fused_1(m0, n0 + 4u, t.c01); store_fused_1(m0, n0 + 8u, t.c02); store_fused_1(m0, n0 + 12u, t.c03);
  store_fused_1(m0 + 4u, n0, t.c10); store_fused_1(m0 + 4u, n0 + 4u, t.c11); store_fused_1(m0 + 4u, n0 + 8u, t.c12); store_fused_1(m0 + 4u, n0 + 12u, t.c13);
  if (has(FLAG_ROW_SUMS)) { row_sums_1(m0, wid.x * WG_X + lid.x); }
}

// ------------------------------------------------------ layer-norm prologue

// Mean and rstd of row m of A[M,K], summed as layernorm.wgsl's vec4 forward sums them.
fn ln_row_stats(m: u32) -> vec2<f32> {
  let kq = p.K / 4u;
  let base = m * kq;
  var s = vec4(0.0);
  for (var c = 0u; c < kq; c++) { s += a4[base + c]; }
  let mean = sum4(s) / f32(p.K);
  var ss = vec4(0.0);
  for (var c = 0u; c < kq; c++) {
    let d = a4[base + c] - mean;
    ss += d * d;
  }
  return vec2(mean, ln_rstd(ss, p.K, LN_EPS));
}

// The statistics of rows m..m+3: x holds their means, y their rstds.
struct RowStats {
  mean: vec4<f32>,
  rstd: vec4<f32>,
}

fn ln_rows4(m: u32) -> RowStats {
  let r0 = ln_row_stats(m);
  let r1 = ln_row_stats(m + 1u);
  let r2 = ln_row_stats(m + 2u);
  let r3 = ln_row_stats(m + 3u);
  return RowStats(vec4(r0.x, r1.x, r2.x, r3.x), vec4(r0.y, r1.y, r2.y, r3.y));
}

// Rows m..m+3 of LN(A) at vec4 k (as a4_rows gives them raw: column r is row m+r).
fn ln_block(at: u32, kq: u32, k: u32, st: RowStats) -> mat4x4<f32> {
  let raw = a4_rows(at + k, kq);
  let w = ln_w4[k];
  let b = ln_b4[k];
  return mat4x4<f32>(ln_apply(raw[0], st.mean.x, st.rstd.x, w, b), ln_apply(raw[1], st.mean.y, st.rstd.y, w, b), ln_apply(raw[2], st.mean.z, st.rstd.z, w, b), ln_apply(raw[3], st.mean.w, st.rstd.w, w, b));
}

// C[M,N] = LN(A)[M,K] · B[N,K]ᵀ, the normalised rows made as they are loaded (K is the channel count)
fn nt_v4_ln_product(m0: u32, n0: u32) -> Tile {
  let kq = p.K / 4u;
  let rows = row_starts(m0, p.M);
  let a_at = rows * kq;
  let b_at = block_starts(n0, p.N) * kq;
  let s0 = ln_rows4(rows.x);
  let s1 = ln_rows4(rows.y);
  var t: Tile;
  for (var k = 0u; k < kq; k++) {
    let a = Pair(ln_block(a_at.x, kq, k, s0), ln_block(a_at.y, kq, k, s1));
    t = tile_fma(t, a, nt_b_quad(b_at, k, kq));
  }
  return t;
}

// C[M,N] = LN(A)[M,K] · B[N,K]ᵀ with an epilogue   (qkv = ln_1(x)·Wᵀ + b, h = gelu(ln_2(x)·Wᵀ + b), logits = ln_f(x)·Wᵀ + b)
@compute @workgroup_size(WG_X, WG_Y)
fn nt_v4_ln(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o = tile_origin(wid, lid);
  store_fused_tile_v4(o.x, o.y, nt_v4_ln_product(o.x, o.y));
}

// ------------------------------------------------------ layer-norm epilogue

// C[M,N] = R + A[M,K]·B[N,K]ᵀ + b, then LN(C) into side_out, with each row's
// mean and rstd (N is the channel count)   (the residual stream after a
// block's projection, and the next layer norm of it). Each workgroup owns
// TILE_M·WG_Y rows across all N columns (the dispatch is one workgroup wide),
// so after the barrier its invocations normalise them, a row each, summing as
// layernorm_forward_vec4 does.
@compute @workgroup_size(WG_X, WG_Y)
fn nt_v4_res_ln(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let m0 = tile_origin(wid, lid).x;
  for (var n = 0u; n < p.N; n += TILE_N * WG_X) {
    let n0 = n + lid.x * TILE_N;
    store_fused_tile_v4(m0, n0, nt_v4_product(m0, n0));
  }
  storageBarrier();
  let rows = TILE_M * WG_Y;
  let end = min(wid.y * rows + rows, p.M);
  let nq = p.N / 4u;
  for (var m = wid.y * rows + li; m < end; m += WG_X * WG_Y) {
    let base = m * nq;
    var s = vec4(0.0);
    for (var c = 0u; c < nq; c++) { s += c4[base + c]; }
    let mean = sum4(s) / f32(p.N);
    var ss = vec4(0.0);
    for (var c = 0u; c < nq; c++) {
      let d = c4[base + c] - mean;
      ss += d * d;
    }
    let rstd = ln_rstd(ss, p.N, LN_EPS);
    for (var c = 0u; c < nq; c++) { side_out4[base + c] = ln_apply(c4[base + c], mean, rstd, ln_w4[c], ln_w4[p.ln_b_at + c]); }
    ln_stats[m] = mean;
    ln_stats[p.rstd_at + m] = rstd;
  }
}
