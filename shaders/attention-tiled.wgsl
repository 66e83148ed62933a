// Causal multi-head self-attention with workgroup memory, for GPUs: a
// workgroup takes QT rows of one (b, h), loads the keys (values, queries,
// output gradients) they share KT rows at a time into workgroup memory, and
// each invocation then runs its own row exactly as the one-row-per-invocation
// kernels in attention.wgsl do: the same sums in the same order. Head slices
// are held as vec4 chunks, zero-padded past hs, and a score is the running
// sum of the chunks' dot products, as in attention_forward_vec4; the decode
// entry computes the same expressions for its one row, so a decoded row
// equals the forward row bit for bit.

//!include attention-common.wgsl

const QT = 32u; // rows per workgroup, one per invocation
const KT = 8u;  // shared rows per tile

// every entry reads qkv at binding 1 (the backward takes dout second, unlike attention.wgsl's)
@group(0) @binding(1) var<storage, read> qkv: array<f32>;

// forward
@group(0) @binding(2) var<storage, read_write> f_out: array<f32>;
@group(0) @binding(3) var<storage, read_write> f_att: array<f32>;

// backward
@group(0) @binding(2) var<storage, read> g_dout: array<f32>;
@group(0) @binding(3) var<storage, read> g_att: array<f32>;
@group(0) @binding(4) var<storage, read_write> g_dscore_out: array<f32>;
@group(0) @binding(4) var<storage, read> g_dscore: array<f32>;
@group(0) @binding(5) var<storage, read_write> g_dqkv: array<f32>;

// decode
@group(0) @binding(2) var<storage, read_write> d_kcache: array<f32>;
@group(0) @binding(3) var<storage, read_write> d_vcache: array<f32>;
@group(0) @binding(4) var<storage, read> d_pos: array<u32>;
@group(0) @binding(5) var<storage, read_write> d_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> d_scores: array<f32>;

var<workgroup> tile_a: array<vec4<f32>, KT * MAX_HS4>;
var<workgroup> tile_b: array<vec4<f32>, KT * MAX_HS4>;
var<workgroup> decode_sum: f32;

const LANES = vec4<u32>(0u, 1u, 2u, 3u);

fn chunks() -> u32 {
  return (HS + 3u) / 4u;
}

// Element indices of channels 4c..4c+3 (clamped into the head) and which of them exist.
fn chunk_lanes(c: u32) -> vec4<u32> {
  return min(4u * c + LANES, vec4<u32>(HS - 1u));
}

fn chunk_live(c: u32) -> vec4<bool> {
  return 4u * c + LANES < vec4<u32>(HS);
}

// Channels 4c..4c+3 of the head slice starting at element `at` of each buffer, zero past hs.
fn qkv_chunk(at: u32, c: u32) -> vec4<f32> {
  let i = at + chunk_lanes(c);
  return select(vec4<f32>(0.0), vec4<f32>(qkv[i.x], qkv[i.y], qkv[i.z], qkv[i.w]), chunk_live(c));
}

fn g_dout_chunk(at: u32, c: u32) -> vec4<f32> {
  let i = at + chunk_lanes(c);
  return select(vec4<f32>(0.0), vec4<f32>(g_dout[i.x], g_dout[i.y], g_dout[i.z], g_dout[i.w]), chunk_live(c));
}

fn d_kcache_chunk(at: u32, c: u32) -> vec4<f32> {
  let i = at + chunk_lanes(c);
  return select(vec4<f32>(0.0), vec4<f32>(d_kcache[i.x], d_kcache[i.y], d_kcache[i.z], d_kcache[i.w]), chunk_live(c));
}

fn d_vcache_chunk(at: u32, c: u32) -> vec4<f32> {
  let i = at + chunk_lanes(c);
  return select(vec4<f32>(0.0), vec4<f32>(d_vcache[i.x], d_vcache[i.y], d_vcache[i.z], d_vcache[i.w]), chunk_live(c));
}

// The row an invocation of a forward or query-gradient workgroup owns; rows
// past T (live = false) clamp to the last one and only help load tiles.
struct QueryRow {
  b: u32,
  h: u32,
  t: u32,
  tq: u32,
  live: bool,
  arow: u32, // element offset of att[b, h, tq, 0]
}

fn query_row(wid: vec3<u32>, li: u32) -> QueryRow {
  let bh = wid.y;
  let t0 = wid.x * QT;
  let t = t0 + li;
  let tq = min(t, p.T - 1u);
  return QueryRow(bh / p.H, bh % p.H, t, tq, t < p.T, (bh * p.T + tq) * p.T);
}

// tile_a[jj·n4 + c] = chunk c of part `part` (0 q, 1 k, 2 v) of row j0 + jj of sequence b, head h.
fn load_qkv_tile(j0: u32, part: u32, b: u32, h: u32, li: u32) {
  let n4 = chunks();
  for (var i = li; i < KT * n4; i += QT) { tile_a[i] = qkv_chunk(qkv_offset(b * p.T + min(j0 + i / n4, p.T - 1u), part, h), i % n4); }
}

// att[b,h,t,:] = softmax_{j≤t}(q_t·k_j·scale);  out[b·T+t, h·hs:] = Σ_j att[b,h,t,j]·v_j   (grid [⌈T/QT⌉, B·H])
@compute @workgroup_size(32)
fn attention_forward_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n4 = chunks();
  let row = query_row(wid, li);
  let b = row.b;
  let h = row.h;
  let t = row.t;
  let live = row.live;
  let tq = row.tq;
  let arow = row.arow;
  // The block's rows see keys 0..j_end−1 at most; kept apart from `row`, whose
  // other fields depend on the invocation, so the barriers stay in uniform control flow.
  let j_end = min(p.T, wid.x * QT + QT);
  var qr: array<vec4<f32>, MAX_HS4>;
  for (var c = 0u; c < n4; c++) { qr[c] = qkv_chunk(qkv_offset(b * p.T + tq, 0u, h), c); }
  var m = -3.4e38;
  for (var j0 = 0u; j0 < j_end; j0 += KT) {
    workgroupBarrier();
    load_qkv_tile(j0, 1u, b, h, li);
    workgroupBarrier();
    for (var jj = 0u; jj < KT; jj++) {
      let j = j0 + jj;
      if (!live || j > t) { break; }
      var s = 0.0;
      for (var c = 0u; c < n4; c++) { s += dot(qr[c], tile_a[jj * n4 + c]); }
      s *= p.scale;
      f_att[arow + j] = s;
      m = max(m, s);
    }
  }
  var acc: array<vec4<f32>, MAX_HS4>;
  var sum = 0.0;
  for (var j0 = 0u; j0 < j_end; j0 += KT) {
    workgroupBarrier();
    load_qkv_tile(j0, 2u, b, h, li);
    workgroupBarrier();
    for (var jj = 0u; jj < KT; jj++) {
      let j = j0 + jj;
      if (!live || j > t) { break; }
      let e = exp(f_att[arow + j] - m);
      f_att[arow + j] = e;
      sum += e;
      for (var c = 0u; c < n4; c++) { acc[c] += e * tile_a[jj * n4 + c]; }
    }
  }
  if (!live) { return; }
  let inv = 1.0 / sum;
  for (var j = 0u; j <= t; j++) { f_att[arow + j] *= inv; }
  for (var j = t + 1u; j < p.T; j++) { f_att[arow + j] = 0.0; }
  let o = (b * p.T + t) * p.C + h * HS;
  for (var c = 0u; c < n4; c++) {
    let v = acc[c] * inv;
    for (var l = 0u; l < 4u; l++) { if (4u * c + l < HS) { f_out[o + 4u * c + l] = v[l]; } }
  }
}

// dscore[t,j] = att[t,j]·(dout_t·v_j − Σ_j' att[t,j']·dout_t·v_j');  dq_t = scale·Σ_j dscore[t,j]·k_j   (grid [⌈T/QT⌉, B·H])
@compute @workgroup_size(32)
fn attention_backward_queries_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n4 = chunks();
  let row = query_row(wid, li);
  let b = row.b;
  let h = row.h;
  let t = row.t;
  let live = row.live;
  let tq = row.tq;
  let arow = row.arow;
  // The block's rows see keys 0..j_end−1 at most; kept apart from `row`, whose
  // other fields depend on the invocation, so the barriers stay in uniform control flow.
  let j_end = min(p.T, wid.x * QT + QT);
  var dout: array<vec4<f32>, MAX_HS4>;
  for (var c = 0u; c < n4; c++) { dout[c] = g_dout_chunk((b * p.T + tq) * p.C + h * HS, c); }
  var weighted = 0.0;
  for (var j0 = 0u; j0 < j_end; j0 += KT) {
    workgroupBarrier();
    load_qkv_tile(j0, 2u, b, h, li);
    workgroupBarrier();
    for (var jj = 0u; jj < KT; jj++) {
      let j = j0 + jj;
      if (!live || j > t) { break; }
      var dp = 0.0;
      for (var c = 0u; c < n4; c++) { dp += dot(dout[c], tile_a[jj * n4 + c]); }
      g_dscore_out[arow + j] = dp;
      weighted += g_att[arow + j] * dp;
    }
  }
  var dq: array<vec4<f32>, MAX_HS4>;
  for (var j0 = 0u; j0 < j_end; j0 += KT) {
    workgroupBarrier();
    load_qkv_tile(j0, 1u, b, h, li);
    workgroupBarrier();
    for (var jj = 0u; jj < KT; jj++) {
      let j = j0 + jj;
      if (!live || j > t) { break; }
      let ds = g_att[arow + j] * (g_dscore_out[arow + j] - weighted);
      g_dscore_out[arow + j] = ds;
      for (var c = 0u; c < n4; c++) { dq[c] += ds * tile_a[jj * n4 + c]; }
    }
  }
  if (!live) { return; }
  let q = qkv_offset(b * p.T + t, 0u, h);
  for (var c = 0u; c < n4; c++) {
    let v = dq[c] * p.scale;
    for (var l = 0u; l < 4u; l++) { if (4u * c + l < HS) { g_dqkv[q + 4u * c + l] = v[l]; } }
  }
}

// dk_j = scale·Σ_{t≥j} dscore[t,j]·q_t;  dv_j = Σ_{t≥j} att[t,j]·dout_t   (workgroup: QT keys of one (b,h); grid [⌈T/QT⌉, B·H])
@compute @workgroup_size(32)
fn attention_backward_keys_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let n4 = chunks();
  let bh = wid.y;
  let b = bh / p.H;
  let h = bh % p.H;
  let j_first = wid.x * QT;
  let j = j_first + li;
  let live = j < p.T;
  var dk: array<vec4<f32>, MAX_HS4>;
  var dv: array<vec4<f32>, MAX_HS4>;
  // Keys j_first.. are seen by queries j_first..T−1.
  for (var t0 = j_first; t0 < p.T; t0 += KT) {
    workgroupBarrier();
    for (var i = li; i < KT * n4; i += QT) {
      let row = b * p.T + min(t0 + i / n4, p.T - 1u);
      tile_a[i] = qkv_chunk(qkv_offset(row, 0u, h), i % n4);
      tile_b[i] = g_dout_chunk(row * p.C + h * HS, i % n4);
    }
    workgroupBarrier();
    for (var tt = 0u; tt < KT; tt++) {
      let t = t0 + tt;
      if (!live || t >= p.T) { break; }
      if (t < j) { continue; }
      let a = (bh * p.T + t) * p.T + j;
      let ds = g_dscore[a];
      let w = g_att[a];
      for (var c = 0u; c < n4; c++) {
        dk[c] += ds * tile_a[tt * n4 + c];
        dv[c] += w * tile_b[tt * n4 + c];
      }
    }
  }
  if (!live) { return; }
  let k = qkv_offset(b * p.T + j, 1u, h);
  let v = qkv_offset(b * p.T + j, 2u, h);
  for (var c = 0u; c < n4; c++) {
    let dks = dk[c] * p.scale;
    let dvs = dv[c];
    for (var l = 0u; l < 4u; l++) {
      if (4u * c + l < HS) {
        g_dqkv[k + 4u * c + l] = dks[l];
        g_dqkv[v + 4u * c + l] = dvs[l];
      }
    }
  }
}

// Per sequence b at position P = pos[b]: kcache[b,P], vcache[b,P] = k, v of qkv row b; out[b, h·hs:] = Σ_{j≤P} softmax_j(q·k_j·scale)·v_j
// (one workgroup per (b,h): scores over keys in parallel, the softmax sum in key order, outputs over channel chunks; scores[b,h,:] is scratch)
@compute @workgroup_size(32)
fn attention_decode_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = wid.x + wid.y * nwg.x;
  if (g >= p.B * p.H) { return; }
  let n4 = chunks();
  let b = g / p.H;
  let h = g % p.H;
  let Tmax = p.T;
  let P = min(d_pos[b], Tmax - 1u);
  let head = b * Tmax * p.C + h * HS;
  let k_new = qkv_offset(b, 1u, h);
  let v_new = qkv_offset(b, 2u, h);
  for (var d = li; d < HS; d += QT) {
    d_kcache[head + P * p.C + d] = qkv[k_new + d];
    d_vcache[head + P * p.C + d] = qkv[v_new + d];
  }
  storageBarrier();
  var qr: array<vec4<f32>, MAX_HS4>;
  for (var c = 0u; c < n4; c++) { qr[c] = qkv_chunk(qkv_offset(b, 0u, h), c); }
  let srow = g * Tmax;
  for (var j = li; j <= P; j += QT) {
    var s = 0.0;
    for (var c = 0u; c < n4; c++) { s += dot(qr[c], d_kcache_chunk(head + j * p.C, c)); }
    s *= p.scale;
    d_scores[srow + j] = s;
  }
  storageBarrier();
  // max is exact in any order; every invocation takes it.
  var m = -3.4e38;
  for (var j = 0u; j <= P; j++) { m = max(m, d_scores[srow + j]); }
  storageBarrier();
  for (var j = li; j <= P; j += QT) { d_scores[srow + j] = exp(d_scores[srow + j] - m); }
  storageBarrier();
  if (li == 0u) {
    var sum = 0.0;
    for (var j = 0u; j <= P; j++) { sum += d_scores[srow + j]; }
    decode_sum = sum;
  }
  workgroupBarrier();
  let inv = 1.0 / decode_sum;
  for (var c = li; c < n4; c += QT) {
    var acc = vec4<f32>(0.0);
    for (var j = 0u; j <= P; j++) { acc += d_scores[srow + j] * d_vcache_chunk(head + j * p.C, c); }
    let v = acc * inv;
    for (var l = 0u; l < 4u; l++) { if (4u * c + l < HS) { d_out[b * p.C + h * HS + 4u * c + l] = v[l]; } }
  }
}
