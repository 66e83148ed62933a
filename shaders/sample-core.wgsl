// The draw of one row, shared by sample.wgsl and the sampler's fused step
// (decode.wgsl's sample_advance), so both pick the same token bit for bit.
// The includer declares the row's `logits` (array<f32>) and includes
// rng.wgsl. See sample.wgsl for why the arithmetic is built as it is.

const LOWEST = -3.4028234663852886e38;  // lowest finite f32: WGSL constants cannot be infinite
// Weights below 2^-100 of the largest are dropped: a 24-bit uniform could never land on them.
const MAX_EXPONENT = 100.0;

// EXP2_NEG_NIBBLE[16k + d] = f32 bits of 2^−(d · 16^k / 2^20): five nibbles of a 20-bit fraction.
const EXP2_NEG_NIBBLE = array<u32, 80>(
  0x3f800000u, 0x3f7ffff5u, 0x3f7fffeau, 0x3f7fffdfu, 0x3f7fffd4u, 0x3f7fffc9u, 0x3f7fffbdu, 0x3f7fffb2u, 0x3f7fffa7u, 0x3f7fff9cu, 0x3f7fff91u, 0x3f7fff86u, 0x3f7fff7bu, 0x3f7fff70u, 0x3f7fff65u, 0x3f7fff5au,
  0x3f800000u, 0x3f7fff4fu, 0x3f7ffe9du, 0x3f7ffdecu, 0x3f7ffd3au, 0x3f7ffc89u, 0x3f7ffbd7u, 0x3f7ffb26u, 0x3f7ffa74u, 0x3f7ff9c3u, 0x3f7ff912u, 0x3f7ff860u, 0x3f7ff7afu, 0x3f7ff6fdu, 0x3f7ff64cu, 0x3f7ff59bu,
  0x3f800000u, 0x3f7ff4e9u, 0x3f7fe9d3u, 0x3f7fdebdu, 0x3f7fd3a7u, 0x3f7fc892u, 0x3f7fbd7eu, 0x3f7fb26au, 0x3f7fa756u, 0x3f7f9c43u, 0x3f7f9131u, 0x3f7f861fu, 0x3f7f7b0du, 0x3f7f6ffcu, 0x3f7f64ebu, 0x3f7f59dbu,
  0x3f800000u, 0x3f7f4ecbu, 0x3f7e9e11u, 0x3f7dedd2u, 0x3f7d3e0cu, 0x3f7c8ec0u, 0x3f7bdfedu, 0x3f7b3194u, 0x3f7a83b3u, 0x3f79d64au, 0x3f79295au, 0x3f787ce1u, 0x3f77d0dfu, 0x3f772555u, 0x3f767a41u, 0x3f75cfa4u,
  0x3f800000u, 0x3f75257du, 0x3f6ac0c7u, 0x3f60ccdfu, 0x3f5744fdu, 0x3f4e248cu, 0x3f45672au, 0x3f3d08a4u, 0x3f3504f3u, 0x3f2d583fu, 0x3f25fed7u, 0x3f1ef532u, 0x3f1837f0u, 0x3f11c3d3u, 0x3f0b95c2u, 0x3f05aac3u,
);

fn nibble_factor(level: u32, y: u32) -> f32 {
  return bitcast<f32>(EXP2_NEG_NIBBLE[16u * level + ((y >> (4u * level)) & 15u)]);
}

// 2^−e for e = (max − x) · scale ≥ 0 (scale = log2(e) / τ), with e truncated to 20 fractional bits.
fn weight(x: f32, xmax: f32, scale: f32) -> f32 {
  let e = (xmax - x) * scale;
  if (!(e < MAX_EXPONENT)) { return 0.0; }
  let fixed = u32(e * 1048576.0);
  let frac = nibble_factor(0u, fixed) * nibble_factor(1u, fixed) * nibble_factor(2u, fixed) * nibble_factor(3u, fixed) * nibble_factor(4u, fixed);
  // frac ∈ (0.5, 1]; subtracting the integer part from the exponent field scales by 2^−int exactly.
  return bitcast<f32>(bitcast<u32>(frac) - ((fixed >> 20u) << 23u));
}

// (a, i) ranks above (b, j) when a > b, ties going to the lower index.
fn ranks_above(a: f32, i: u32, b: f32, j: u32) -> bool {
  return a > b || (a == b && i < j);
}

struct Draw {
  token: u32,
  logp: f32,
}

// A token ~ softmax(logits[base …] / τ) over the top k (top_k 0 or ≥ vocab: all) for the uniform u ∈ [0, 1),
// and its log-probability under that distribution.
fn draw(base: u32, vocab: u32, top_k: u32, scale: f32, u: f32) -> Draw {
  var xmax = LOWEST;
  for (var v = 0u; v < vocab; v++) { xmax = max(xmax, logits[base + v]); }

  // Allowed entries rank at or above the cut (value, index); the default cut admits everything.
  var cut_val = LOWEST;
  var cut_idx = vocab;
  if (top_k > 0u && top_k < vocab) {
    // The k-th ranked pair: k rounds of "best below the previous one".
    for (var rank = 0u; rank < top_k; rank++) {
      var best_val = LOWEST;
      var best_idx = vocab;
      for (var v = 0u; v < vocab; v++) {
        let x = logits[base + v];
        let below = rank == 0u || ranks_above(cut_val, cut_idx, x, v);
        if (below && (best_idx == vocab || ranks_above(x, v, best_val, best_idx))) {
          best_val = x;
          best_idx = v;
        }
      }
      cut_val = best_val;
      cut_idx = best_idx;
    }
  }

  var total = 0.0;
  for (var v = 0u; v < vocab; v++) {
    let x = logits[base + v];
    if (!ranks_above(cut_val, cut_idx, x, v)) { total += weight(x, xmax, scale); }
  }

  let goal = u * total;
  var chosen = vocab;
  var chosen_w = 0.0;
  var last = 0u;
  var last_w = 0.0;
  var cum = 0.0;
  for (var v = 0u; v < vocab; v++) {
    let x = logits[base + v];
    if (ranks_above(cut_val, cut_idx, x, v)) { continue; }
    let w = weight(x, xmax, scale);
    if (w > 0.0) {
      cum += w;
      last = v;
      last_w = w;
      if (goal < cum) {
        chosen = v;
        chosen_w = w;
        break;
      }
    }
  }
  // u·total can round up to total itself: then the last token with weight takes it.
  if (chosen == vocab) {
    chosen = last;
    chosen_w = last_w;
  }
  return Draw(chosen, log(chosen_w) - log(total));
}
