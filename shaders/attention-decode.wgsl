// One (row, head) of the decode attention in the arithmetic of the _vec8
// forward, shared by attention.wgsl (attention_decode_vec8) and
// decode-block.wgsl, so both give the forward's bits. The row's new k and v
// go into the caches at its position, then its query attends cache entries
// 0 … position. The includer declares d4_kcache, d4_vcache (the [B, Tmax, C]
// caches as vec4s), d_pos (each row's position) and d_scores (B·H·Tmax
// scratch), and defines dec_qkv4(i) (vec4 i of qkv) and dec_store_out4(i, v).
// Needs HS % 8 = 0.

struct DecodeShape {
  C: u32,
  H: u32,
  Tmax: u32,
  scale: f32,
}

// Row b, head h; `qkv_at` and `out_at` are the vec4 indices where row b's qkv and output begin.
fn decode_head_vec8(b: u32, h: u32, s: DecodeShape, qkv_at: u32, out_at: u32) {
  let HS4 = HS / 4u;
  let Tmax = s.Tmax;
  let P = min(d_pos[b], Tmax - 1u);
  let head = (b * Tmax * s.C + h * HS) / 4u;
  let row4 = s.C / 4u;
  let q = qkv_at + h * HS4;
  let k_new = q + row4;
  let v_new = k_new + row4;
  let at = head + P * row4;
  for (var d = 0u; d < HS4; d++) {
    d4_kcache[at + d] = dec_qkv4(k_new + d);
    d4_vcache[at + d] = dec_qkv4(v_new + d);
  }
  let srow = (b * s.H + h) * Tmax;
  // Scores summed over channel pairs; the last pair scales them and takes their maximum.
  var m = -3.4e38;
  for (var d = 0u; d < HS4; d += 2u) {
    let qa = dec_qkv4(q + d);
    let qb = dec_qkv4(q + d + 1u);
    let final_pair = d + 2u >= HS4;
    for (var j = 0u; j <= P; j++) {
      let k = head + j * row4 + d;
      var sc = 0.0;
      if (d > 0u) { sc = d_scores[srow + j]; }
      sc = sc + dot(qa, d4_kcache[k]) + dot(qb, d4_kcache[k + 1u]);
      if (final_pair) {
        sc = sc * s.scale;
        m = max(m, sc);
      }
      d_scores[srow + j] = sc;
    }
  }
  // exp(s - m) recomputed for each channel pair (the same bits each time); the first pair sums them.
  var sum = 0.0;
  for (var d = 0u; d < HS4; d += 2u) {
    var acc_a = vec4<f32>(0.0);
    var acc_b = vec4<f32>(0.0);
    for (var j = 0u; j <= P; j++) {
      let e = exp(d_scores[srow + j] - m);
      if (d == 0u) { sum += e; }
      let v = head + j * row4 + d;
      acc_a += e * d4_vcache[v];
      acc_b += e * d4_vcache[v + 1u];
    }
    let inv = 1.0 / sum;
    dec_store_out4(out_at + h * HS4 + d, acc_a * inv);
    dec_store_out4(out_at + h * HS4 + d + 1u, acc_b * inv);
  }
}
