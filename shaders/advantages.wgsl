// Group-relative advantages for S = P·G sequences (row s = p·G + g). One
// workgroup walks every group in a fixed order and reduces the batch summary
// with a fixed tree, so the result is bit-reproducible.

struct Params {
  groups: u32,        // P
  group_size: u32,    // G
  scale: u32,         // 1: centre and divide by the unbiased group std + 1e-6 ("group"); 0: centre only ("none"); 2: 2r − 1, no baseline ("reward")
  sign: u32,          // 0: keep every advantage; 1: only A > 0 (PSR); 2: only A < 0 (NSR)
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> rewards: array<f32>;
@group(0) @binding(2) var<storage, read_write> advantages: array<f32>;
@group(0) @binding(3) var<storage, read_write> metrics: array<f32>;

//!include reduce-workgroup.wgsl
// Per invocation: zero-std groups, Σr, Σr², sequences with A ≠ 0.
var<workgroup> partial: array<vec4<f32>, REDUCE_WG>;

fn keeps_sign(a: f32) -> bool {
  return p.sign == 0u || (p.sign == 1u && a > 0.0) || (p.sign == 2u && a < 0.0);
}

// A[s] = (r[s] − mean_g r) / (std_g r + 1e-6), r[s] − mean_g r, or 2·r[s] − 1;  metrics = [zero-std groups, their fraction, mean r, std r, #A≠0]
@compute @workgroup_size(REDUCE_WG)
fn group_advantages(@builtin(local_invocation_index) lid: u32) {
  let G = p.group_size;
  var acc = vec4<f32>(0.0);
  for (var grp = lid; grp < p.groups; grp += REDUCE_WG) {
    let base = grp * G;
    var sum = 0.0;
    var sum_sq = 0.0;
    var lo = rewards[base];
    var hi = lo;
    for (var g = 0u; g < G; g++) {
      let r = rewards[base + g];
      sum += r;
      sum_sq += r * r;
      lo = min(lo, r);
      hi = max(hi, r);
    }
    let mean = sum / f32(G);
    var dev_sq = 0.0;
    for (var g = 0u; g < G; g++) {
      let d = rewards[base + g] - mean;
      dev_sq += d * d;
    }
    // A single-member group has no spread to measure: it counts as zero-std.
    let spread = select(0.0, sqrt(dev_sq / f32(G - 1u)), G > 1u);
    // Exact equality, not std < eps: equal rewards must give exactly zero advantage.
    let zero_std = lo == hi;
    var nonzero = 0.0;
    for (var g = 0u; g < G; g++) {
      var a = rewards[base + g] - mean;
      if (p.scale == 1u) { a = a / (spread + 1e-6); }
      // Without a baseline a group of equal rewards still pushes: only the centred modes zero it.
      if (p.scale == 2u) { a = 2.0 * rewards[base + g] - 1.0; } else if (zero_std) { a = 0.0; }
      if (!keeps_sign(a)) { a = 0.0; }
      advantages[base + g] = a;
      nonzero += select(0.0, 1.0, a != 0.0);
    }
    acc += vec4<f32>(select(0.0, 1.0, zero_std), sum, sum_sq, nonzero);
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var stride = REDUCE_WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let total = partial[0];
    let n = f32(p.groups * G);
    let mean = total.y / n;
    metrics[0] = total.x;
    metrics[1] = total.x / f32(p.groups);
    metrics[2] = mean;
    metrics[3] = sqrt(max(total.z / n - mean * mean, 0.0));
    metrics[4] = total.w;
  }
}
