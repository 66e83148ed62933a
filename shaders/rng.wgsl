// Counter-based RNG shared by every kernel that draws random numbers.
// Mirrors src/util/rng.ts bit for bit.

fn pcg_hash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn hash3(seed: u32, stream: u32, counter: u32) -> u32 {
  return pcg_hash(seed ^ pcg_hash(stream ^ pcg_hash(counter)));
}

// Uniform in [0, 1) with 24 bits.
fn uniform01(h: u32) -> f32 {
  return f32(h >> 8u) * (1.0 / 16777216.0);
}
