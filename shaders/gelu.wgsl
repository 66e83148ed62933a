// GPT-2's GELU and its slope, shared by elementwise.wgsl and the fused matmul
// epilogues (so fused and unfused results agree bit for bit).

const GELU_SCALE = 0.7978845608028654; // sqrt(2/π)
const GELU_CUBIC = 0.044715;

// GPT-2's GELU is 0.5·x·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³), and
// 0.5·(1 + tanh(u)) = sigmoid(2u). As a sigmoid, both tails keep their small
// values instead of rounding 1 + tanh(u) to 0. Beyond |x| = 20 gelu is x or 0
// and its slope 1 or 0 to f32 precision, so x is clamped there (no overflow in
// x³) and u at ±40 (exp stays finite).
// Returns (y, dy/dx) = (x·s, s + 2·x·s·(1 − s)·du/dx) with s = sigmoid(2u).
fn gelu_and_slope(x: vec4<f32>) -> array<vec4<f32>, 2> {
  let xc = clamp(x, vec4(-20.0), vec4(20.0));
  let u = clamp(GELU_SCALE * (xc + GELU_CUBIC * xc * xc * xc), vec4(-40.0), vec4(40.0));
  let e = exp(-2.0 * u);
  let s = 1.0 / (1.0 + e);
  let one_minus_s = e * s;
  let du_dx = GELU_SCALE * (1.0 + 3.0 * GELU_CUBIC * xc * xc);
  return array(max(x, vec4(-20.0)) * s, s + 2.0 * xc * s * one_minus_s * du_dx);
}
