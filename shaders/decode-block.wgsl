// A transformer block's decode step for R rows in one dispatch (CPU
// adapters): [ln_1,] qkv, attention over the KV cache, the attention
// projection + residual, ln_2, the MLP up + GELU, its projection + residual,
// and the layer norm that follows the block (the next ln_1, or ln_f). Each
// workgroup owns TILE_M·WG_Y rows across every column, so its phases need only
// workgroup barriers between them: the products are matmul-core.wgsl's tiles
// with the unfused kernels' stores, the attention is attention-decode.wgsl's,
// and the layer norms sum as layernorm_forward_vec4 does, so the block gives
// the bits of the dispatch-per-kernel decode (src/model/block.ts).
// Activations live in one buffer (the arena) and parameters in another, both
// addressed by vec4 offsets.

//!if SUBGROUPS
enable subgroups;
// The products' shapes come from the uniforms through the private `p`, which
// the uniformity analysis cannot see through: every invocation runs the same
// loops, so the broadcasts are reached by all four.
diagnostic(off, subgroup_uniformity);
//!endif
//!include matmul-core.wgsl
//!include gelu.wgsl
//!include layernorm-row.wgsl
//!include attention-decode.wgsl

struct BlockParams {
  R: u32,
  C: u32,
  H: u32,
  Tmax: u32,
  scale: f32,
  // 1: the block starts with ln_1(x) into ln1; 0: ln1 already holds it
  norm_first: u32,
  // vec4 offsets in the arena: x (the block's input, overwritten by its output), ln1, qkv, atty, residual2, ln2, the MLP's hidden, the next layer norm's output
  x_at: u32,
  ln1_at: u32,
  qkv_at: u32,
  atty_at: u32,
  res2_at: u32,
  ln2_at: u32,
  h_at: u32,
  next_at: u32,
  // vec4 offsets in the parameters
  ln1_w: u32,
  ln1_b: u32,
  attn_w: u32,
  attn_b: u32,
  proj_w: u32,
  proj_b: u32,
  ln2_w: u32,
  ln2_b: u32,
  fc_w: u32,
  fc_b: u32,
  fc2_w: u32,
  fc2_b: u32,
  next_w: u32,
  next_b: u32,
}

@group(0) @binding(0) var<uniform> u: BlockParams;
@group(0) @binding(1) var<storage, read_write> arena: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> params4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> d4_kcache: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> d4_vcache: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> d_pos: array<u32>;
@group(0) @binding(6) var<storage, read_write> d_scores: array<f32>;

override LN_EPS: f32 = 0.0;
// The head size (attention-decode.wgsl's loops).
override HS: u32 = 8u;

// The current product's shape and operands, set by `product`.
var<private> p: Params;
var<private> a_base: u32;
var<private> b_base: u32;

fn load_a4(i: u32) -> vec4<f32> {
  return arena[a_base + i];
}

fn load_b4(i: u32) -> vec4<f32> {
  return params4[b_base + i];
}

fn dec_qkv4(i: u32) -> vec4<f32> {
  return arena[i];
}

fn dec_store_out4(i: u32, v: vec4<f32>) {
  arena[i] = v;
}

const EPI_RESIDUAL = 1u;
const EPI_GELU = 2u;

// What a product adds after its bias, and where.
struct Epilogue {
  out_at: u32,
  bias_at: u32,
  residual_at: u32,
  kind: u32,
}

// matmul.wgsl's store (bias), then matmul-fused.wgsl's residual or GELU, for rows m..m+3 at vec4 column nq.
fn store_v4(m: u32, nq: u32, block: mat4x4<f32>, e: Epilogue) {
  if (m >= p.M || nq * 4u >= p.N) { return; }
  let row_vec4s = p.N / 4u;
  let extra = params4[e.bias_at + nq];
  for (var r = 0u; r < 4u; r++) {
    let i = (m + r) * row_vec4s + nq;
    var v = block[r] + extra;
    if (e.kind == EPI_RESIDUAL) { v = arena[e.residual_at + i] + v; }
    if (e.kind == EPI_GELU) { v = gelu_and_slope(v)[0]; }
    arena[e.out_at + i] = v;
  }
}

fn store_tile(m0: u32, n0: u32, t: Tile, e: Epilogue) {
  let nq = n0 / 4u;
  store_v4(m0, nq, t.c00, e); store_v4(m0, nq + 1u, t.c01, e); store_v4(m0, nq + 2u, t.c02, e); store_v4(m0, nq + 3u, t.c03, e);
  store_v4(m0 + 4u, nq, t.c10, e); store_v4(m0 + 4u, nq + 1u, t.c11, e); store_v4(m0 + 4u, nq + 2u, t.c12, e); store_v4(m0 + 4u, nq + 3u, t.c13, e);
}

// out[R, N] = A[R, K] · W[N, K]ᵀ + b (+ the epilogue): this invocation's TILE_M rows from m0, in column tiles from
// lid_x·TILE_N, every (TILE_N·WG_X)-th (rows past R compute on clamped loads and store nothing, so all four share B).
fn product(a_at: u32, w_at: u32, K: u32, N: u32, m0: u32, lid_x: u32, e: Epilogue) {
  p = Params(u.R, K, N, 0u, 0u, 0u, 0u, 0u, 0u, 0u);
  a_base = a_at;
  b_base = w_at;
  for (var n = 0u; n < N; n += TILE_N * WG_X) {
    let n0 = n + lid_x * TILE_N;
    store_tile(m0, n0, nt_v4_product(m0, n0), e);
  }
}

// out = LN(x) for rows first + li, first + li + WG_X·WG_Y, … below end (C channels), summed as layernorm_forward_vec4 sums.
fn norm_rows(x_at: u32, w_at: u32, b_at: u32, out_at: u32, first: u32, end: u32, li: u32) {
  let nq = u.C / 4u;
  for (var m = first + li; m < end; m += WG_X * WG_Y) {
    let base = m * nq;
    var s = vec4(0.0);
    for (var c = 0u; c < nq; c++) { s += arena[x_at + base + c]; }
    let mean = sum4(s) / f32(u.C);
    var ss = vec4(0.0);
    for (var c = 0u; c < nq; c++) {
      let d = arena[x_at + base + c] - mean;
      ss += d * d;
    }
    let rstd = ln_rstd(ss, u.C, LN_EPS);
    for (var c = 0u; c < nq; c++) { arena[out_at + base + c] = ln_apply(arena[x_at + base + c], mean, rstd, params4[w_at + c], params4[b_at + c]); }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn decode_block(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let C = u.C;
  let first = wid.x * TILE_M * WG_Y;
  let end = min(first + TILE_M * WG_Y, u.R);
  let m0 = first + lid.y * TILE_M;
  lane = lid.y;
  if (u.norm_first != 0u) { norm_rows(u.x_at, u.ln1_w, u.ln1_b, u.ln1_at, first, end, li); }
  storageBarrier();
  product(u.ln1_at, u.attn_w, C, 3u * C, m0, lid.x, Epilogue(u.qkv_at, u.attn_b, 0u, 0u));
  storageBarrier();
  let shape = DecodeShape(C, u.H, u.Tmax, u.scale);
  for (var g = first * u.H + li; g < end * u.H; g += WG_X * WG_Y) {
    let b = g / u.H;
    decode_head_vec8(b, g % u.H, shape, u.qkv_at + b * 3u * C / 4u, u.atty_at + b * C / 4u);
  }
  storageBarrier();
  product(u.atty_at, u.proj_w, C, C, m0, lid.x, Epilogue(u.res2_at, u.proj_b, u.x_at, EPI_RESIDUAL));
  storageBarrier();
  norm_rows(u.res2_at, u.ln2_w, u.ln2_b, u.ln2_at, first, end, li);
  storageBarrier();
  product(u.ln2_at, u.fc_w, C, 4u * C, m0, lid.x, Epilogue(u.h_at, u.fc_b, 0u, EPI_GELU));
  storageBarrier();
  product(u.h_at, u.fc2_w, 4u * C, C, m0, lid.x, Epilogue(u.x_at, u.fc2_b, u.res2_at, EPI_RESIDUAL));
  storageBarrier();
  norm_rows(u.x_at, u.next_w, u.next_b, u.next_at, first, end, li);
}
