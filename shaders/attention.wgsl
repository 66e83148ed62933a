// Causal multi-head self-attention, one invocation per row (the fast choice
// on CPU adapters, where workgroup barriers are slow). qkv rows are
// [q | k | v], each C wide, head h owning channels h·hs .. h·hs + hs − 1.
// att [B,H,T,T] keeps the softmax probabilities (zero above the diagonal) for
// the backward pass. Every sum runs in a fixed order, so reruns are
// bit-identical, and each decode entry repeats its forward entry's arithmetic
// for one row expression by expression, so a decoded row equals the forward
// pass's row at that position bit for bit (the sampler's log-probs are π_old's).

//!include attention-common.wgsl
//!include attention-decode.wgsl

// forward
@group(0) @binding(1) var<storage, read> f_qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> f_out: array<f32>;
@group(0) @binding(3) var<storage, read_write> f_att: array<f32>;

// backward (both entry points)
@group(0) @binding(1) var<storage, read> g_dout: array<f32>;
@group(0) @binding(2) var<storage, read> g_qkv: array<f32>;
@group(0) @binding(3) var<storage, read> g_att: array<f32>;
@group(0) @binding(5) var<storage, read_write> g_dqkv: array<f32>;
// backward_queries writes dscore = ∂L/∂(scaled score); backward_keys reads it
@group(0) @binding(4) var<storage, read_write> g_dscore_out: array<f32>;
@group(0) @binding(4) var<storage, read> g_dscore: array<f32>;

// decode
@group(0) @binding(1) var<storage, read> d_qkv: array<f32>;
@group(0) @binding(2) var<storage, read_write> d_kcache: array<f32>;
@group(0) @binding(3) var<storage, read_write> d_vcache: array<f32>;
@group(0) @binding(4) var<storage, read> d_pos: array<u32>;
@group(0) @binding(5) var<storage, read_write> d_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> d_scores: array<f32>;

const WG = 64u;

fn flat_index(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return gid.x + gid.y * nwg.x * WG;
}

// att[b,h,t,:] = softmax_{j≤t}(q_t·k_j·scale);  out[b·T+t, h·hs:] = Σ_j att[b,h,t,j]·v_j   (one invocation per (b,h,t))
@compute @workgroup_size(64)
fn attention_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H * p.T) { return; }
  let t = i % p.T;
  let h = (i / p.T) % p.H;
  let b = i / (p.T * p.H);
  let arow = i * p.T;
  let q = qkv_offset(b * p.T + t, 0u, h);
  var qr: array<f32, MAX_HS>;
  for (var d = 0u; d < HS; d++) { qr[d] = f_qkv[q + d]; }
  var m = -3.4e38;
  for (var j = 0u; j <= t; j++) {
    let k = qkv_offset(b * p.T + j, 1u, h);
    var s = 0.0;
    for (var d = 0u; d < HS; d++) { s += qr[d] * f_qkv[k + d]; }
    s *= p.scale;
    f_att[arow + j] = s;
    m = max(m, s);
  }
  var acc: array<f32, MAX_HS>;
  var sum = 0.0;
  for (var j = 0u; j <= t; j++) {
    let e = exp(f_att[arow + j] - m);
    f_att[arow + j] = e;
    sum += e;
    let v = qkv_offset(b * p.T + j, 2u, h);
    for (var d = 0u; d < HS; d++) { acc[d] += e * f_qkv[v + d]; }
  }
  let inv = 1.0 / sum;
  for (var j = 0u; j <= t; j++) { f_att[arow + j] *= inv; }
  for (var j = t + 1u; j < p.T; j++) { f_att[arow + j] = 0.0; }
  let o = (b * p.T + t) * p.C + h * HS;
  for (var d = 0u; d < HS; d++) { f_out[o + d] = acc[d] * inv; }
}

// dscore[t,j] = att[t,j]·(dout_t·v_j − Σ_j' att[t,j']·dout_t·v_j');  dq_t = scale·Σ_j dscore[t,j]·k_j   (one invocation per (b,h,t))
@compute @workgroup_size(64)
fn attention_backward_queries(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H * p.T) { return; }
  let t = i % p.T;
  let h = (i / p.T) % p.H;
  let b = i / (p.T * p.H);
  let arow = i * p.T;
  let o = (b * p.T + t) * p.C + h * HS;
  var dout: array<f32, MAX_HS>;
  for (var d = 0u; d < HS; d++) { dout[d] = g_dout[o + d]; }
  // First the gradient of each probability, then the softmax Jacobian, which needs their att-weighted sum.
  var weighted = 0.0;
  for (var j = 0u; j <= t; j++) {
    let v = qkv_offset(b * p.T + j, 2u, h);
    var dp = 0.0;
    for (var d = 0u; d < HS; d++) { dp += dout[d] * g_qkv[v + d]; }
    g_dscore_out[arow + j] = dp;
    weighted += g_att[arow + j] * dp;
  }
  var dq: array<f32, MAX_HS>;
  for (var j = 0u; j <= t; j++) {
    let ds = g_att[arow + j] * (g_dscore_out[arow + j] - weighted);
    g_dscore_out[arow + j] = ds;
    let k = qkv_offset(b * p.T + j, 1u, h);
    for (var d = 0u; d < HS; d++) { dq[d] += ds * g_qkv[k + d]; }
  }
  let q = qkv_offset(b * p.T + t, 0u, h);
  for (var d = 0u; d < HS; d++) { g_dqkv[q + d] = dq[d] * p.scale; }
}

// dk_j = scale·Σ_{t≥j} dscore[t,j]·q_t;  dv_j = Σ_{t≥j} att[t,j]·dout_t   (one invocation per (b,h,j))
@compute @workgroup_size(64)
fn attention_backward_keys(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H * p.T) { return; }
  let j = i % p.T;
  let h = (i / p.T) % p.H;
  let b = i / (p.T * p.H);
  let bh = i - j; // (b·H + h)·T
  var dk: array<f32, MAX_HS>;
  var dv: array<f32, MAX_HS>;
  for (var t = j; t < p.T; t++) {
    let a = (bh + t) * p.T + j;
    let ds = g_dscore[a];
    let w = g_att[a];
    let q = qkv_offset(b * p.T + t, 0u, h);
    let o = (b * p.T + t) * p.C + h * HS;
    for (var d = 0u; d < HS; d++) {
      dk[d] += ds * g_qkv[q + d];
      dv[d] += w * g_dout[o + d];
    }
  }
  let k = qkv_offset(b * p.T + j, 1u, h);
  let v = qkv_offset(b * p.T + j, 2u, h);
  for (var d = 0u; d < HS; d++) {
    g_dqkv[k + d] = dk[d] * p.scale;
    g_dqkv[v + d] = dv[d];
  }
}

// The same three kernels four channels at a time, for C and hs multiples of
// 4 (the usual case): a quarter of the loads, which dominate on CPU adapters.
@group(0) @binding(1) var<storage, read> f4_qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> f4_out: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> g4_dout: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> g4_qkv: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> g4_dqkv: array<vec4<f32>>;


// att[b,h,t,:] = softmax_{j≤t}(q_t·k_j·scale);  out[b·T+t, h·hs:] = Σ_j att[b,h,t,j]·v_j   (hs % 4 = 0; one invocation per (b,h,t))
@compute @workgroup_size(64)
fn attention_forward_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H * p.T) { return; }
  let HS4 = HS / 4u;
  let t = i % p.T;
  let h = (i / p.T) % p.H;
  let b = i / (p.T * p.H);
  let arow = i * p.T;
  let q = qkv_offset(b * p.T + t, 0u, h) / 4u;
  var qr: array<vec4<f32>, MAX_HS4>;
  for (var d = 0u; d < HS4; d++) { qr[d] = f4_qkv[q + d]; }
  var m = -3.4e38;
  for (var j = 0u; j <= t; j++) {
    let k = qkv_offset(b * p.T + j, 1u, h) / 4u;
    var s = 0.0;
    for (var d = 0u; d < HS4; d++) { s += dot(qr[d], f4_qkv[k + d]); }
    s *= p.scale;
    f_att[arow + j] = s;
    m = max(m, s);
  }
  var acc: array<vec4<f32>, MAX_HS4>;
  var sum = 0.0;
  for (var j = 0u; j <= t; j++) {
    let e = exp(f_att[arow + j] - m);
    f_att[arow + j] = e;
    sum += e;
    let v = qkv_offset(b * p.T + j, 2u, h) / 4u;
    for (var d = 0u; d < HS4; d++) { acc[d] += e * f4_qkv[v + d]; }
  }
  let inv = 1.0 / sum;
  for (var j = 0u; j <= t; j++) { f_att[arow + j] *= inv; }
  for (var j = t + 1u; j < p.T; j++) { f_att[arow + j] = 0.0; }
  let o = ((b * p.T + t) * p.C + h * HS) / 4u;
  for (var d = 0u; d < HS4; d++) { f4_out[o + d] = acc[d] * inv; }
}

// dscore[t,j] = att[t,j]·(dout_t·v_j − Σ_j' att[t,j']·dout_t·v_j');  dq_t = scale·Σ_j dscore[t,j]·k_j   (hs % 4 = 0; one invocation per (b,h,t))
@compute @workgroup_size(64)
fn attention_backward_queries_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H * p.T) { return; }
  let HS4 = HS / 4u;
  let t = i % p.T;
  let h = (i / p.T) % p.H;
  let b = i / (p.T * p.H);
  let arow = i * p.T;
  let o = ((b * p.T + t) * p.C + h * HS) / 4u;
  var dout: array<vec4<f32>, MAX_HS4>;
  for (var d = 0u; d < HS4; d++) { dout[d] = g4_dout[o + d]; }
  var weighted = 0.0;
  for (var j = 0u; j <= t; j++) {
    let v = qkv_offset(b * p.T + j, 2u, h) / 4u;
    var dp = 0.0;
    for (var d = 0u; d < HS4; d++) { dp += dot(dout[d], g4_qkv[v + d]); }
    g_dscore_out[arow + j] = dp;
    weighted += g_att[arow + j] * dp;
  }
  var dq: array<vec4<f32>, MAX_HS4>;
  for (var j = 0u; j <= t; j++) {
    let ds = g_att[arow + j] * (g_dscore_out[arow + j] - weighted);
    g_dscore_out[arow + j] = ds;
    let k = qkv_offset(b * p.T + j, 1u, h) / 4u;
    for (var d = 0u; d < HS4; d++) { dq[d] += ds * g4_qkv[k + d]; }
  }
  let q = qkv_offset(b * p.T + t, 0u, h) / 4u;
  for (var d = 0u; d < HS4; d++) { g4_dqkv[q + d] = dq[d] * p.scale; }
}

// dk_j = scale·Σ_{t≥j} dscore[t,j]·q_t;  dv_j = Σ_{t≥j} att[t,j]·dout_t   (hs % 4 = 0; one invocation per (b,h,j))
@compute @workgroup_size(64)
fn attention_backward_keys_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H * p.T) { return; }
  let HS4 = HS / 4u;
  let j = i % p.T;
  let h = (i / p.T) % p.H;
  let b = i / (p.T * p.H);
  let bh = i - j;
  var dk: array<vec4<f32>, MAX_HS4>;
  var dv: array<vec4<f32>, MAX_HS4>;
  for (var t = j; t < p.T; t++) {
    let a = (bh + t) * p.T + j;
    let ds = g_dscore[a];
    let w = g_att[a];
    let q = qkv_offset(b * p.T + t, 0u, h) / 4u;
    let o = ((b * p.T + t) * p.C + h * HS) / 4u;
    for (var d = 0u; d < HS4; d++) {
      dk[d] += ds * g4_qkv[q + d];
      dv[d] += w * g4_dout[o + d];
    }
  }
  let k = qkv_offset(b * p.T + j, 1u, h) / 4u;
  let v = qkv_offset(b * p.T + j, 2u, h) / 4u;
  for (var d = 0u; d < HS4; d++) {
    g4_dqkv[k + d] = dk[d] * p.scale;
    g4_dqkv[v + d] = dv[d];
  }
}

// Per sequence b at position P = pos[b]: kcache[b,P], vcache[b,P] = k, v of qkv row b; out[b, h·hs:] = Σ_{j≤P} softmax_j(q·k_j·scale)·v_j
// (one invocation per (b,h), in small workgroups so a handful of sequences still spreads over cores; scores[b,h,:] is scratch)
@compute @workgroup_size(16)
fn attention_decode(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.x + gid.y * nwg.x * 16u;
  if (g >= p.B * p.H) { return; }
  let b = g / p.H;
  let h = g % p.H;
  let Tmax = p.T;
  // A position past the cache is a caller error; clamping keeps every access in bounds.
  let P = min(d_pos[b], Tmax - 1u);
  let head = b * Tmax * p.C + h * HS; // channel 0 of this head at position 0 of the cache
  let k_new = qkv_offset(b, 1u, h);
  let v_new = qkv_offset(b, 2u, h);
  for (var d = 0u; d < HS; d++) {
    d_kcache[head + P * p.C + d] = d_qkv[k_new + d];
    d_vcache[head + P * p.C + d] = d_qkv[v_new + d];
  }
  let q = qkv_offset(b, 0u, h);
  var qr: array<f32, MAX_HS>;
  for (var d = 0u; d < HS; d++) { qr[d] = d_qkv[q + d]; }
  let srow = g * Tmax;
  var m = -3.4e38;
  for (var j = 0u; j <= P; j++) {
    var s = 0.0;
    for (var d = 0u; d < HS; d++) { s += qr[d] * d_kcache[head + j * p.C + d]; }
    s *= p.scale;
    d_scores[srow + j] = s;
    m = max(m, s);
  }
  var acc: array<f32, MAX_HS>;
  var sum = 0.0;
  for (var j = 0u; j <= P; j++) {
    let e = exp(d_scores[srow + j] - m);
    sum += e;
    for (var d = 0u; d < HS; d++) { acc[d] += e * d_vcache[head + j * p.C + d]; }
  }
  let inv = 1.0 / sum;
  for (var d = 0u; d < HS; d++) { d_out[b * p.C + h * HS + d] = acc[d] * inv; }
}

// attention_decode four channels at a time (hs % 4 = 0), in the arithmetic of attention_forward_vec4
@group(0) @binding(1) var<storage, read> d4_qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> d4_kcache: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> d4_vcache: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> d4_out: array<vec4<f32>>;

// Writes sequence b's new k and v of head h (qkv row b) into the caches at vec4 index `at`.
fn store_kv4(b: u32, h: u32, at: u32) {
  let k_new = qkv_offset(b, 1u, h) / 4u;
  let v_new = qkv_offset(b, 2u, h) / 4u;
  for (var d = 0u; d < HS / 4u; d++) {
    d4_kcache[at + d] = d4_qkv[k_new + d];
    d4_vcache[at + d] = d4_qkv[v_new + d];
  }
}

@compute @workgroup_size(16)
fn attention_decode_vec4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.x + gid.y * nwg.x * 16u;
  if (g >= p.B * p.H) { return; }
  let HS4 = HS / 4u;
  let b = g / p.H;
  let h = g % p.H;
  let Tmax = p.T;
  let P = min(d_pos[b], Tmax - 1u);
  let head = (b * Tmax * p.C + h * HS) / 4u;
  let row4 = p.C / 4u;
  store_kv4(b, h, head + P * row4);
  let q = qkv_offset(b, 0u, h) / 4u;
  var qr: array<vec4<f32>, MAX_HS4>;
  for (var d = 0u; d < HS4; d++) { qr[d] = d4_qkv[q + d]; }
  let srow = g * Tmax;
  var m = -3.4e38;
  for (var j = 0u; j <= P; j++) {
    var s = 0.0;
    for (var d = 0u; d < HS4; d++) { s += dot(qr[d], d4_kcache[head + j * row4 + d]); }
    s *= p.scale;
    d_scores[srow + j] = s;
    m = max(m, s);
  }
  var acc: array<vec4<f32>, MAX_HS4>;
  var sum = 0.0;
  for (var j = 0u; j <= P; j++) {
    let e = exp(d_scores[srow + j] - m);
    sum += e;
    for (var d = 0u; d < HS4; d++) { acc[d] += e * d4_vcache[head + j * row4 + d]; }
  }
  let inv = 1.0 / sum;
  for (var d = 0u; d < HS4; d++) { d4_out[(b * p.C + h * HS) / 4u + d] = acc[d] * inv; }
}

// The vec4 kernels eight channels at a time (hs % 8 = 0, every preset's head
// size), with the loop over a head's channels outside the loops over keys, so
// those run straight-line on registers (two vec4s) instead of per-invocation
// arrays, about twice as fast on CPU adapters. Each element is summed in the
// same order as in the vec4 kernels.

@compute @workgroup_size(64)
fn attention_forward_vec8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H * p.T) { return; }
  let t = i % p.T;
  let h = (i / p.T) % p.H;
  let b = i / (p.T * p.H);
  let arow = i * p.T;
  forward_row_vec8(b * p.T + t, h, arow, dense_segment(b));
  for (var j = t + 1u; j < p.T; j++) { f_att[arow + j] = 0.0; }
}

@compute @workgroup_size(64)
fn attention_backward_queries_vec8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H * p.T) { return; }
  let t = i % p.T;
  let h = (i / p.T) % p.H;
  let b = i / (p.T * p.H);
  backward_queries_row_vec8(b * p.T + t, h, i * p.T, dense_segment(b));
}

@compute @workgroup_size(64)
fn attention_backward_keys_vec8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H * p.T) { return; }
  let HS4 = HS / 4u;
  let j = i % p.T;
  let h = (i / p.T) % p.H;
  let b = i / (p.T * p.H);
  let bh = i - j;
  let q0 = qkv_offset(b * p.T, 0u, h) / 4u;
  let o0 = (b * p.T * p.C + h * HS) / 4u;
  let row4 = 3u * p.C / 4u;
  let c4 = p.C / 4u;
  let k = qkv_offset(b * p.T + j, 1u, h) / 4u;
  let v = qkv_offset(b * p.T + j, 2u, h) / 4u;
  for (var d = 0u; d < HS4; d += 2u) {
    var dk_a = vec4<f32>(0.0);
    var dk_b = vec4<f32>(0.0);
    var dv_a = vec4<f32>(0.0);
    var dv_b = vec4<f32>(0.0);
    for (var t = j; t < p.T; t++) {
      let a = (bh + t) * p.T + j;
      let ds = g_dscore[a];
      let w = g_att[a];
      let q = q0 + t * row4 + d;
      let o = o0 + t * c4 + d;
      dk_a += ds * g4_qkv[q];
      dk_b += ds * g4_qkv[q + 1u];
      dv_a += w * g4_dout[o];
      dv_b += w * g4_dout[o + 1u];
    }
    g4_dqkv[k + d] = dk_a * p.scale;
    g4_dqkv[k + d + 1u] = dk_b * p.scale;
    g4_dqkv[v + d] = dv_a;
    g4_dqkv[v + d + 1u] = dv_b;
  }
}

@compute @workgroup_size(16)
fn attention_decode_vec8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let g = gid.x + gid.y * nwg.x * 16u;
  if (g >= p.B * p.H) { return; }
  let b = g / p.H;
  decode_head_vec8(b, g % p.H, DecodeShape(p.C, p.H, p.T, p.scale), qkv_offset(b, 0u, 0u) / 4u, b * p.C / 4u);
}

fn dec_qkv4(i: u32) -> vec4<f32> {
  return d4_qkv[i];
}

fn dec_store_out4(i: u32, v: vec4<f32>) {
  d4_out[i] = v;
}

// ------------------------------------------------------------ packed rows
//
// Attention over packed rows: the update loop stores each group's shared
// prompt prefix once and every completion after it (src/rl/packing.ts). Here
// p.B counts packed rows (N) and p.T is the longest key list (Tk). Row n's
// segment (a0, alen, b0, qend) says whom it attends and who attends it: its
// keys are rows a0 … a0+alen−1 (the shared prefix, for a completion row)
// followed by b0 … n (its own run), in position order; the rows attending
// row n are n … qend−1. The dense _vec8 forward and query-gradient kernels
// run the same row functions (forward_row_vec8, backward_queries_row_vec8)
// with a sequence's segment (dense_segment), so a packed row's sums are the
// dense row's. att and dscore are [H, N, Tk], entry jj of
// row n's list at (h·N + n)·Tk + jj. Needs HS % 8 = 0, like the _vec8 kernels.

@group(0) @binding(4) var<storage, read> f_segs: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read> g_segs: array<vec4<u32>>;

// Row index of entry jj of the key list of a row with segment s.
fn packed_key(s: vec4<u32>, jj: u32) -> u32 {
  return select(s.z + jj - s.y, s.x + jj, jj < s.y);
}

// Entry of key row j in the key list of a row with segment s (j must be on that list).
fn packed_entry(s: vec4<u32>, j: u32) -> u32 {
  return select(s.y + j - s.z, j - s.x, j < s.z);
}

// A dense sequence b as a segment: its rows attend b·T … themselves.
fn dense_segment(b: u32) -> vec4<u32> {
  return vec4<u32>(0u, 0u, b * p.T, (b + 1u) * p.T);
}

// Row n of qkv, head h, over the key list of segment s; its scores live at att[arow + jj]. The dense
// _vec8 entries call these with dense_segment, the packed ones with the row's segment.
fn forward_row_vec8(n: u32, h: u32, arow: u32, s: vec4<u32>) {
  let HS4 = HS / 4u;
  let last = s.y + n - s.z;
  let q = qkv_offset(n, 0u, h) / 4u;
  // Scores summed over channel pairs; the last pair scales them and takes their maximum.
  var m = -3.4e38;
  for (var d = 0u; d < HS4; d += 2u) {
    let qa = f4_qkv[q + d];
    let qb = f4_qkv[q + d + 1u];
    let final_pair = d + 2u >= HS4;
    for (var jj = 0u; jj <= last; jj++) {
      let k = qkv_offset(packed_key(s, jj), 1u, h) / 4u + d;
      var sc = 0.0;
      if (d > 0u) { sc = f_att[arow + jj]; }
      sc = sc + dot(qa, f4_qkv[k]) + dot(qb, f4_qkv[k + 1u]);
      if (final_pair) {
        sc = sc * p.scale;
        m = max(m, sc);
      }
      f_att[arow + jj] = sc;
    }
  }
  // The first channel pair turns the scores into exp(s − m) and sums them; every pair weights the values.
  var sum = 0.0;
  let o = (n * p.C + h * HS) / 4u;
  for (var d = 0u; d < HS4; d += 2u) {
    var acc_a = vec4<f32>(0.0);
    var acc_b = vec4<f32>(0.0);
    for (var jj = 0u; jj <= last; jj++) {
      var e = f_att[arow + jj];
      if (d == 0u) {
        e = exp(e - m);
        f_att[arow + jj] = e;
        sum += e;
      }
      let v = qkv_offset(packed_key(s, jj), 2u, h) / 4u + d;
      acc_a += e * f4_qkv[v];
      acc_b += e * f4_qkv[v + 1u];
    }
    let inv = 1.0 / sum;
    f4_out[o + d] = acc_a * inv;
    f4_out[o + d + 1u] = acc_b * inv;
  }
  let inv = 1.0 / sum;
  for (var jj = 0u; jj <= last; jj++) { f_att[arow + jj] *= inv; }
}

fn backward_queries_row_vec8(n: u32, h: u32, arow: u32, s: vec4<u32>) {
  let HS4 = HS / 4u;
  let last = s.y + n - s.z;
  let o = (n * p.C + h * HS) / 4u;
  // dscore[jj] first gathers dout·v_jj (the last channel pair also sums att·dout·v),
  // then becomes att·(dout·v_jj − Σ att·dout·v).
  var weighted = 0.0;
  for (var d = 0u; d < HS4; d += 2u) {
    let ga = g4_dout[o + d];
    let gb = g4_dout[o + d + 1u];
    let final_pair = d + 2u >= HS4;
    for (var jj = 0u; jj <= last; jj++) {
      let v = qkv_offset(packed_key(s, jj), 2u, h) / 4u + d;
      var ds = 0.0;
      if (d > 0u) { ds = g_dscore_out[arow + jj]; }
      ds = ds + dot(ga, g4_qkv[v]) + dot(gb, g4_qkv[v + 1u]);
      g_dscore_out[arow + jj] = ds;
      if (final_pair) { weighted += g_att[arow + jj] * ds; }
    }
  }
  let q = qkv_offset(n, 0u, h) / 4u;
  for (var d = 0u; d < HS4; d += 2u) {
    var dq_a = vec4<f32>(0.0);
    var dq_b = vec4<f32>(0.0);
    for (var jj = 0u; jj <= last; jj++) {
      var ds = g_dscore_out[arow + jj];
      if (d == 0u) {
        ds = g_att[arow + jj] * (ds - weighted);
        g_dscore_out[arow + jj] = ds;
      }
      let k = qkv_offset(packed_key(s, jj), 1u, h) / 4u + d;
      dq_a += ds * g4_qkv[k];
      dq_b += ds * g4_qkv[k + 1u];
    }
    g4_dqkv[q + d] = dq_a * p.scale;
    g4_dqkv[q + d + 1u] = dq_b * p.scale;
  }
}

@compute @workgroup_size(64)
fn attention_forward_packed_vec8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H) { return; }
  let n = i % p.B;
  forward_row_vec8(n, i / p.B, i * p.T, f_segs[n]);
}

@compute @workgroup_size(64)
fn attention_backward_queries_packed_vec8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H) { return; }
  let n = i % p.B;
  backward_queries_row_vec8(n, i / p.B, i * p.T, g_segs[n]);
}

// dk and dv of row j sum over the rows attending it, j … qend−1, in row order.
@compute @workgroup_size(64)
fn attention_backward_keys_packed_vec8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flat_index(gid, nwg);
  if (i >= p.B * p.H) { return; }
  let HS4 = HS / 4u;
  let j = i % p.B;
  let h = i / p.B;
  let qend = g_segs[j].w;
  let k = qkv_offset(j, 1u, h) / 4u;
  let v = qkv_offset(j, 2u, h) / 4u;
  for (var d = 0u; d < HS4; d += 2u) {
    var dk_a = vec4<f32>(0.0);
    var dk_b = vec4<f32>(0.0);
    var dv_a = vec4<f32>(0.0);
    var dv_b = vec4<f32>(0.0);
    for (var t = j; t < qend; t++) {
      let a = (h * p.B + t) * p.T + packed_entry(g_segs[t], j);
      let ds = g_dscore[a];
      let w = g_att[a];
      let q = qkv_offset(t, 0u, h) / 4u + d;
      let o = (t * p.C + h * HS) / 4u + d;
      dk_a += ds * g4_qkv[q];
      dk_b += ds * g4_qkv[q + 1u];
      dv_a += w * g4_dout[o];
      dv_b += w * g4_dout[o + 1u];
    }
    g4_dqkv[k + d] = dk_a * p.scale;
    g4_dqkv[k + d + 1u] = dk_b * p.scale;
    g4_dqkv[v + d] = dv_a;
    g4_dqkv[v + d + 1u] = dv_b;
  }
}
