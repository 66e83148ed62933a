// The vec4 layer norm's per-row arithmetic, shared by every kernel that
// normalises rows (layernorm.wgsl, the layer-norm prologue and epilogue in
// matmul-fused.wgsl, embedding-ln.wgsl), so they all give the same bits.
// Each shader keeps its own loop over the row, since a WGSL function cannot
// take a storage array: sum the row's vec4s, mean = ln_sum(s) / C, then the
// centred squares, rstd = ln_rstd(ss, C, eps), then ln_apply per vec4.

fn sum4(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}

// 1 / sqrt(var + eps) from the row's centred squares, summed four channels at a time.
fn ln_rstd(ss: vec4<f32>, C: u32, eps: f32) -> f32 {
  return inverseSqrt(sum4(ss) / f32(C) + eps);
}

// (x − mean) · rstd · w + b for four channels.
fn ln_apply(x: vec4<f32>, mean: f32, rstd: f32, w: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  return (x - mean) * rstd * w + b;
}
