// One decode position of the whole model in one dispatch: for each row, the
// embedding of its token at position s, every block (layer norm, qkv, the
// KV-cache append and attention over the cache, projection and residual,
// layer norm, MLP and residual), the final layer norm and the logits. Each
// invocation runs its row through every layer on its own (a decode row needs
// nothing from other rows), so a position costs one dispatch instead of one
// per kernel per layer.
//
// It repeats, expression by expression, the arithmetic of the kernels the
// training forward uses on a CPU adapter (layernorm_forward_vec4, the matmul
// tiles of matmul-core.wgsl with their epilogues, attention_decode_vec8,
// decode_embed), so its logits equal both the unfused decode's and the
// training forward's bit for bit (src/gpu/kernels/decode-model.test.ts,
// src/model/sampler-gpu.test.ts). Each product element sums over k in 4-blocks
// in the same order as matmul-core's 4×4 blocks.
//
// Needs C % 4 = 0 and a head size HS % 8 = 0 (the vec8 attention).
//
// Accumulators are zeroed explicitly (`mat4x4<f32>()`): a bare `var t: mat4x4<f32>;`
// inside a loop body kept the previous iteration's value on SwiftShader.

//!include gelu.wgsl

struct Params {
  R: u32,        // rows (sequences)
  T: u32,        // columns of the [R, T] token array
  C: u32,
  H: u32,
  V: u32,
  L: u32,
  Tmax: u32,     // positions per row in each KV cache
  pos: u32,      // the position s being fed
  cache_stride4: u32,  // vec4s from one cache region to the next ([L][k, v][R, Tmax, C])
  eps: f32,
  scale: f32,    // 1/√HS
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w4: array<vec4<f32>>;       // the model's flat parameters
@group(0) @binding(2) var<storage, read> at: array<u32>;             // vec4 offsets of the parameters (src/gpu/kernels/decode-model.ts)
@group(0) @binding(3) var<storage, read> policy_bias: array<f32>;    // [V]
@group(0) @binding(4) var<storage, read> tokens: array<u32>;         // [R, T]
@group(0) @binding(5) var<storage, read_write> cache4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> x4: array<vec4<f32>>; // per row: the sections below
@group(0) @binding(7) var<storage, read_write> scores: array<f32>;   // [R, H, Tmax]
@group(0) @binding(8) var<storage, read_write> logits: array<f32>;   // [R, V]

override HS: u32 = 8u;

// Offsets table: these five, then LAYER_PARAMS per layer.
const AT_WTE = 0u;
const AT_WPE = 1u;
const AT_LNF_W = 2u;
const AT_LNF_B = 3u;
const AT_HEAD = 4u;
const AT_LAYERS = 5u;
const LAYER_PARAMS = 12u;
const LN1_W = 0u; const LN1_B = 1u; const ATTN_W = 2u; const ATTN_B = 3u; const PROJ_W = 4u; const PROJ_B = 5u;
const LN2_W = 6u; const LN2_B = 7u; const FC_W = 8u; const FC_B = 9u; const FC2_W = 10u; const FC2_B = 11u;

fn layer_at(l: u32, which: u32) -> u32 {
  return at[AT_LAYERS + l * LAYER_PARAMS + which];
}

// A row's sections in x4, in vec4s of C4 = C/4: x, ln, qkv (3), atty, residual, fc (4).
const SEC_X = 0u;
const SEC_LN = 1u;
const SEC_QKV = 2u;
const SEC_ATTY = 5u;
const SEC_RES = 6u;
const SEC_FC = 7u;
const ROW_SECTIONS = 11u;

fn row_at(r: u32, section: u32) -> u32 {
  let c4 = p.C / 4u;
  return r * ROW_SECTIONS * c4 + section * c4;
}

//!include layernorm-row.wgsl

// ln = (x − mean)·rstd·w + b over row r's section `src_sec`, into section SEC_LN (layernorm_forward_vec4's sums).
fn layernorm_row(r: u32, src_sec: u32, w: u32, b: u32) {
  let C4 = p.C / 4u;
  let base = row_at(r, src_sec);
  let dst = row_at(r, SEC_LN);
  var s = vec4(0.0);
  for (var c = 0u; c < C4; c++) { s += x4[base + c]; }
  let mean = sum4(s) / f32(p.C);
  var ss = vec4(0.0);
  for (var c = 0u; c < C4; c++) {
    let d = x4[base + c] - mean;
    ss += d * d;
  }
  let rstd = ln_rstd(ss, p.C, p.eps);
  for (var c = 0u; c < C4; c++) {
    x4[dst + c] = ln_apply(x4[base + c], mean, rstd, w4[w + c], w4[b + c]);
  }
}

// Four vec4s of w4, `stride` apart, as the columns of a mat4.
fn w4_rows(at0: u32, stride: u32) -> mat4x4<f32> {
  return mat4x4<f32>(w4[at0], w4[at0 + stride], w4[at0 + 2u * stride], w4[at0 + 3u * stride]);
}

// Columns 4·nb … 4·nb+3 of row r's section `src_sec` · Wᵀ, W [N, K] at vec4 offset w:
// one column of matmul-core's nt_v4_product block (B · A, A's column being
// this row) computed as B · a, which on SwiftShader gives the same sums bit
// for bit (tested), with a quarter of the work of a whole block.
fn nt_block(r: u32, src_sec: u32, K: u32, w: u32, nb: u32) -> vec4<f32> {
  let kq = K / 4u;
  let a_at = row_at(r, src_sec);
  let b_at = w + 4u * nb * kq;
  var t = vec4<f32>(0.0);
  for (var k = 0u; k < kq; k++) {
    let b = transpose(w4_rows(b_at + k, kq));
    t = t + b * x4[a_at + k];
  }
  return t;
}

// qkv = ln · W_attnᵀ + b   (matmul's store_v4 with the bias flag)
fn qkv_layer(r: u32, l: u32) {
  let C4 = p.C / 4u;
  let w = layer_at(l, ATTN_W);
  let b = layer_at(l, ATTN_B);
  for (var nb = 0u; nb < 3u * C4; nb++) { x4[row_at(r, SEC_QKV) + nb] = nt_block(r, SEC_LN, p.C, w, nb) + w4[b + nb]; }
}

fn first_or(first: bool, v: f32) -> f32 {
  return select(v, 0.0, first);
}

// Appends row r's k and v at position P of layer l's caches, then attends over 0..P (attention_decode_vec8).
fn attend_row(r: u32, l: u32) {
  let HS4 = HS / 4u;
  let row4 = p.C / 4u;
  let P = min(p.pos, p.Tmax - 1u);
  let k_region = (2u * l) * p.cache_stride4;
  let v_region = (2u * l + 1u) * p.cache_stride4;
  let qkv = row_at(r, SEC_QKV);
  for (var h = 0u; h < p.H; h++) {
    let head = (r * p.Tmax * p.C + h * HS) / 4u;
    let new_at = head + P * row4;
    for (var d = 0u; d < HS4; d++) {
      cache4[k_region + new_at + d] = x4[qkv + row4 + h * HS4 + d];
      cache4[v_region + new_at + d] = x4[qkv + 2u * row4 + h * HS4 + d];
    }
    let q = qkv + h * HS4;
    let srow = (r * p.H + h) * p.Tmax;
    for (var d = 0u; d < HS4; d += 2u) {
      let qa = x4[q + d];
      let qb = x4[q + d + 1u];
      for (var j = 0u; j <= P; j++) {
        let k = k_region + head + j * row4 + d;
        scores[srow + j] = first_or(d == 0u, scores[srow + j]) + dot(qa, cache4[k]) + dot(qb, cache4[k + 1u]);
      }
    }
    var m = -3.4e38;
    for (var j = 0u; j <= P; j++) {
      let s = scores[srow + j] * p.scale;
      scores[srow + j] = s;
      m = max(m, s);
    }
    var sum = 0.0;
    for (var j = 0u; j <= P; j++) {
      let e = exp(scores[srow + j] - m);
      scores[srow + j] = e;
      sum += e;
    }
    let inv = 1.0 / sum;
    let dst = row_at(r, SEC_ATTY) + h * HS4;
    for (var d = 0u; d < HS4; d += 2u) {
      var acc_a = vec4<f32>(0.0);
      var acc_b = vec4<f32>(0.0);
      for (var j = 0u; j <= P; j++) {
        let e = scores[srow + j];
        let v = v_region + head + j * row4 + d;
        acc_a += e * cache4[v];
        acc_b += e * cache4[v + 1u];
      }
      x4[dst + d] = acc_a * inv;
      x4[dst + d + 1u] = acc_b * inv;
    }
  }
}

// section `to` = section `residual` + (section `src_sec` · Wᵀ + b)   (the fused bias + residual epilogue)
fn residual_product(r: u32, src_sec: u32, K: u32, w: u32, b: u32, residual: u32, to: u32) {
  let C4 = p.C / 4u;
  for (var nb = 0u; nb < C4; nb++) { x4[row_at(r, to) + nb] = x4[row_at(r, residual) + nb] + (nt_block(r, src_sec, K, w, nb) + w4[b + nb]); }
}

// fc = gelu(ln · W_fcᵀ + b)   (the fused bias + GELU epilogue)
fn fc_layer(r: u32, l: u32) {
  let C4 = p.C / 4u;
  let w = layer_at(l, FC_W);
  let b = layer_at(l, FC_B);
  for (var nb = 0u; nb < 4u * C4; nb++) { x4[row_at(r, SEC_FC) + nb] = gelu_and_slope(nt_block(r, SEC_LN, p.C, w, nb) + w4[b + nb])[0]; }
}

// logits = ln_f(x) · W_outᵀ + policy bias, for any V: the last block's columns are clamped as in matmul's
// general path and only the real ones stored.
fn output_head(r: u32) {
  let kq = p.C / 4u;
  let w = at[AT_HEAD];
  let a_at = row_at(r, SEC_LN);
  for (var n0 = 0u; n0 < p.V; n0 += 4u) {
    let cols = min(vec4<u32>(n0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(p.V - 1u)) * kq + vec4<u32>(w);
    var t = vec4<f32>(0.0);
    for (var k = 0u; k < kq; k++) {
      let b = transpose(mat4x4<f32>(w4[cols.x + k], w4[cols.y + k], w4[cols.z + k], w4[cols.w + k]));
      t = t + b * x4[a_at + k];
    }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + j;
      if (n >= p.V) { break; }
      logits[r * p.V + n] = t[j] + policy_bias[n];
    }
  }
}

@compute @workgroup_size(4)
fn decode_model(@builtin(global_invocation_id) gid: vec3<u32>) {
  let r = gid.x;
  if (r >= p.R) { return; }
  let C4 = p.C / 4u;
  // x = wte[token] + wpe[s]   (decode_embed)
  let tok = tokens[r * p.T + p.pos];
  for (var c = 0u; c < C4; c++) { x4[row_at(r, SEC_X) + c] = w4[at[AT_WTE] + tok * C4 + c] + w4[at[AT_WPE] + p.pos * C4 + c]; }
  for (var l = 0u; l < p.L; l++) {
    layernorm_row(r, SEC_X, layer_at(l, LN1_W), layer_at(l, LN1_B));
    qkv_layer(r, l);
    attend_row(r, l);
    residual_product(r, SEC_ATTY, p.C, layer_at(l, PROJ_W), layer_at(l, PROJ_B), SEC_X, SEC_RES);
    layernorm_row(r, SEC_RES, layer_at(l, LN2_W), layer_at(l, LN2_B));
    fc_layer(r, l);
    residual_product(r, SEC_FC, 4u * p.C, layer_at(l, FC2_W), layer_at(l, FC2_B), SEC_RES, SEC_X);
  }
  layernorm_row(r, SEC_X, at[AT_LNF_W], at[AT_LNF_B]);
  output_head(r);
}
