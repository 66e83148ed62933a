// D³S selection: which rollouts (sample level) and which of their tokens
// (token level) enter the GRPO loss. Every choice is deterministic: ties go to
// the lower index, and variances within VAR_TIE of the best count as equal.

// Each pass declares its own bindings; their numbers repeat from pass to pass.

const MAX_GROUP = 64u;
// Relative tolerance under which two candidate subsets' variances tie; it
// absorbs float rounding so that binary-reward groups (many exact ties)
// choose the same subset on any device.
const VAR_TIE = 1e-5;
const WG = 256u;

// --------------------------------------------------------- group_select

struct GroupParams {
  groups: u32,      // P
  group_size: u32,  // G ≤ MAX_GROUP
  keep_count: u32,  // N_s, 1 ≤ N_s ≤ G
}

@group(0) @binding(0) var<uniform> gp: GroupParams;
@group(0) @binding(1) var<storage, read> gs_advantages: array<f32>;
@group(0) @binding(2) var<storage, read_write> gs_sample_keep: array<f32>;
@group(0) @binding(3) var<storage, read_write> gs_candidate: array<f32>;
@group(0) @binding(4) var<storage, read_write> gs_contribution: array<f32>;

// Sorted position k of the subset built from the j largest and N_s − j smallest advantages.
fn subset_member(order: ptr<function, array<u32, MAX_GROUP>>, j: u32, k: u32) -> u32 {
  let bottom = gp.keep_count - j;
  return select((*order)[gp.group_size - j + (k - bottom)], (*order)[k], k < bottom);
}

fn subset_mean(order: ptr<function, array<u32, MAX_GROUP>>, base: u32, j: u32) -> f32 {
  var sum = 0.0;
  for (var k = 0u; k < gp.keep_count; k++) { sum += gs_advantages[base + subset_member(order, j, k)]; }
  return sum / f32(gp.keep_count);
}

// Population variance: all candidates have N_s members, so it ranks them as the unbiased one would.
fn subset_variance(order: ptr<function, array<u32, MAX_GROUP>>, base: u32, j: u32) -> f32 {
  let mean = subset_mean(order, base, j);
  var dev = 0.0;
  for (var k = 0u; k < gp.keep_count; k++) {
    let d = gs_advantages[base + subset_member(order, j, k)] - mean;
    dev += d * d;
  }
  return dev / f32(gp.keep_count);
}

// sample_keep[s] = 1 for the N_s members of s's group maximising Var(A); candidate = kept and Var > 0; contribution = (A − subset mean)²
@compute @workgroup_size(64)
fn group_select(@builtin(global_invocation_id) gid: vec3<u32>) {
  let grp = gid.x;
  if (grp >= gp.groups) { return; }
  let G = gp.group_size;
  let base = grp * G;
  // Insertion sort by (A, index) ascending: equal advantages keep index order.
  var order: array<u32, MAX_GROUP>;
  for (var g = 0u; g < G; g++) {
    let a = gs_advantages[base + g];
    var k = g;
    while (k > 0u && gs_advantages[base + order[k - 1u]] > a) {
      order[k] = order[k - 1u];
      k--;
    }
    order[k] = g;
  }
  var best = 0.0;
  for (var j = 0u; j <= gp.keep_count; j++) { best = max(best, subset_variance(&order, base, j)); }
  var chosen = 0u;
  for (var j = gp.keep_count + 1u; j > 0u; j--) {
    if (subset_variance(&order, base, j - 1u) >= best - VAR_TIE * best) { chosen = j - 1u; }
  }
  let mean = subset_mean(&order, base, chosen);
  let positive = best > 0.0;
  for (var g = 0u; g < G; g++) {
    gs_sample_keep[base + g] = 0.0;
    gs_candidate[base + g] = 0.0;
    gs_contribution[base + g] = 0.0;
  }
  for (var k = 0u; k < gp.keep_count; k++) {
    let s = base + subset_member(&order, chosen, k);
    let d = gs_advantages[s] - mean;
    gs_sample_keep[s] = 1.0;
    gs_candidate[s] = select(0.0, 1.0, positive);
    gs_contribution[s] = d * d;
  }
}

// --------------------------------------------------------- token_scores

struct TokenParams {
  rows: u32,  // S
  T: u32,
}

@group(0) @binding(0) var<uniform> tp: TokenParams;
@group(0) @binding(1) var<storage, read> ts_advantages: array<f32>;
@group(0) @binding(2) var<storage, read> ts_entropy: array<f32>;
@group(0) @binding(3) var<storage, read> ts_mask: array<f32>;
@group(0) @binding(4) var<storage, read> ts_sample_keep: array<f32>;
@group(0) @binding(5) var<storage, read_write> ts_score: array<f32>;
@group(0) @binding(6) var<storage, read_write> ts_eligible: array<f32>;

// score[s,t] = |A[s]|·H[s,t];  eligible[s,t] = mask[s,t]·sample_keep[s]
@compute @workgroup_size(256)
fn token_scores(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= tp.rows * tp.T) { return; }
  let s = i / tp.T;
  ts_score[i] = abs(ts_advantages[s]) * ts_entropy[i];
  ts_eligible[i] = select(0.0, 1.0, ts_mask[i] > 0.5 && ts_sample_keep[s] > 0.5);
}

// ---------------------------------------------------------- topk_select

struct TopkParams {
  n: u32,
  count: u32,        // k when by_fraction = 0
  fraction_bp: u32,  // K in basis points (1/10000) when by_fraction = 1
  by_fraction: u32,
}

@group(0) @binding(0) var<uniform> kp: TopkParams;
@group(0) @binding(1) var<storage, read> tk_score: array<f32>;
@group(0) @binding(2) var<storage, read> tk_eligible: array<f32>;
@group(0) @binding(3) var<storage, read_write> tk_keep: array<f32>;
@group(0) @binding(4) var<storage, read_write> tk_stats: array<u32>;

var<workgroup> eligible_count: atomic<u32>;
var<workgroup> above_count: atomic<u32>;
var<workgroup> histogram: array<atomic<u32>, WG>;
var<workgroup> equal_counts: array<u32, WG>;
// The radix select's state: the digits fixed so far, their bit mask, and how many items it still needs at or below them.
var<workgroup> select_prefix: u32;
var<workgroup> select_mask: u32;
var<workgroup> select_needed: u32;

// Non-negative floats order like their bit patterns; anything not > 0 (−0, NaN, negatives) scores 0.
fn score_bits(i: u32) -> u32 {
  let v = tk_score[i];
  return select(0u, bitcast<u32>(v), v > 0.0);
}

fn is_eligible(i: u32) -> bool {
  return tk_eligible[i] > 0.5;
}

// keep[i] = 1 for the k eligible items of largest score (ties: lower index); stats = [eligible, k, threshold bits, items above it]
@compute @workgroup_size(256)
fn topk_select(@builtin(local_invocation_index) lid: u32) {
  // Contiguous chunks, so that "lower index first" among ties is a prefix count over invocations.
  let chunk = (kp.n + WG - 1u) / WG;
  let lo = min(lid * chunk, kp.n);
  let hi = min(lo + chunk, kp.n);
  var mine = 0u;
  for (var i = lo; i < hi; i++) { mine += select(0u, 1u, is_eligible(i)); }
  atomicAdd(&eligible_count, mine);
  workgroupBarrier();
  let eligible = atomicLoad(&eligible_count);
  var k = kp.count;
  if (kp.by_fraction == 1u) {
    // Round half up, and keep at least one token when any is eligible and K > 0.
    k = (eligible * kp.fraction_bp + 5000u) / 10000u;
    if (eligible > 0u && kp.fraction_bp > 0u) { k = max(k, 1u); }
  }
  k = min(k, eligible);
  if (lid == 0u) {
    select_prefix = 0u;
    select_mask = 0u;
    select_needed = k;
  }
  // Radix select, 8 bits a pass from the top: each pass histograms the next
  // digit of the items that match the digits fixed so far and fixes the digit
  // holding the k-th largest. After 4 passes the prefix is that score's bits.
  for (var shift = 24i; shift >= 0i; shift -= 8i) {
    workgroupBarrier();
    let prefix = select_prefix;
    let mask = select_mask;
    for (var i = lo; i < hi; i++) {
      let bits = score_bits(i);
      if (is_eligible(i) && (bits & mask) == prefix) { atomicAdd(&histogram[(bits >> u32(shift)) & 255u], 1u); }
    }
    workgroupBarrier();
    if (lid == 0u) {
      var above = 0u;
      var digit = 255u;
      loop {
        let here = atomicLoad(&histogram[digit]);
        if (above + here >= select_needed || digit == 0u) { break; }
        above += here;
        digit--;
      }
      select_needed -= above;
      select_prefix = prefix | (digit << u32(shift));
      select_mask = mask | (255u << u32(shift));
    }
    workgroupBarrier();
    atomicStore(&histogram[lid], 0u);
  }
  workgroupBarrier();
  let threshold = select_prefix;
  var greater = 0u;
  var equal = 0u;
  for (var i = lo; i < hi; i++) {
    if (is_eligible(i)) {
      let bits = score_bits(i);
      greater += select(0u, 1u, bits > threshold);
      equal += select(0u, 1u, bits == threshold);
    }
  }
  atomicAdd(&above_count, greater);
  equal_counts[lid] = equal;
  workgroupBarrier();
  let take_equal = k - min(atomicLoad(&above_count), k);
  var rank = 0u;
  for (var j = 0u; j < lid; j++) { rank += equal_counts[j]; }
  for (var i = lo; i < hi; i++) {
    var keep = false;
    if (k > 0u && is_eligible(i)) {
      let bits = score_bits(i);
      if (bits > threshold) {
        keep = true;
      } else if (bits == threshold) {
        keep = rank < take_equal;
        rank++;
      }
    }
    tk_keep[i] = select(0.0, 1.0, keep);
  }
  if (lid == 0u) {
    tk_stats[0] = eligible;
    tk_stats[1] = k;
    tk_stats[2] = threshold;
    tk_stats[3] = atomicLoad(&above_count);
  }
}

// ---------------------------------------------------- selection_metrics

struct MetricParams {
  rows: u32,  // S
  T: u32,
  samples_per_group: f32,
  token_fraction: f32,
}

@group(0) @binding(0) var<uniform> mp: MetricParams;
@group(0) @binding(1) var<storage, read> sm_advantages: array<f32>;
@group(0) @binding(2) var<storage, read> sm_mask: array<f32>;
@group(0) @binding(3) var<storage, read> sm_sample_keep: array<f32>;
@group(0) @binding(4) var<storage, read> sm_token_keep: array<f32>;
@group(0) @binding(5) var<storage, read_write> sm_metrics: array<f32>;

//!include reduce-workgroup.wgsl
var<workgroup> partial_a: array<vec4<f32>, REDUCE_WG>;
var<workgroup> partial_b: array<vec2<f32>, REDUCE_WG>;

fn reduce_partials(lid: u32) {
  workgroupBarrier();
  for (var stride = REDUCE_WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      partial_a[lid] += partial_a[lid + stride];
      partial_b[lid] += partial_b[lid + stride];
    }
    workgroupBarrier();
  }
}

// metrics = [samples_kept, tokens_kept, adv_var_before, adv_var_after, tokens_in_kept_samples, tokens_total, samples_per_group, token_fraction]
@compute @workgroup_size(REDUCE_WG)
fn selection_metrics(@builtin(local_invocation_index) lid: u32) {
  // Pass 1: counts and the sums behind both means.
  var a = vec4<f32>(0.0);  // samples kept, tokens kept, tokens in kept samples, tokens
  var b = vec2<f32>(0.0);  // ΣA over all rollouts, ΣA over kept
  for (var s = lid; s < mp.rows; s += REDUCE_WG) {
    let kept = sm_sample_keep[s];
    var tokens = 0.0;
    var tokens_kept = 0.0;
    for (var t = 0u; t < mp.T; t++) {
      tokens += sm_mask[s * mp.T + t];
      tokens_kept += sm_token_keep[s * mp.T + t];
    }
    a += vec4<f32>(kept, tokens_kept, kept * tokens, tokens);
    b += vec2<f32>(sm_advantages[s], kept * sm_advantages[s]);
  }
  partial_a[lid] = a;
  partial_b[lid] = b;
  reduce_partials(lid);
  let totals = partial_a[0];
  let sums = partial_b[0];
  let mean_all = sums.x / f32(mp.rows);
  let mean_kept = select(0.0, sums.y / totals.x, totals.x > 0.0);
  workgroupBarrier();
  // Pass 2: squared deviations from those means (two passes: no cancellation).
  var dev = vec2<f32>(0.0);
  for (var s = lid; s < mp.rows; s += REDUCE_WG) {
    let d_all = sm_advantages[s] - mean_all;
    let d_kept = sm_advantages[s] - mean_kept;
    dev += vec2<f32>(d_all * d_all, sm_sample_keep[s] * d_kept * d_kept);
  }
  partial_a[lid] = vec4<f32>(0.0);
  partial_b[lid] = dev;
  reduce_partials(lid);
  if (lid == 0u) {
    let devs = partial_b[0];
    sm_metrics[0] = totals.x;
    sm_metrics[1] = totals.y;
    sm_metrics[2] = devs.x / f32(mp.rows);
    sm_metrics[3] = select(0.0, devs.y / totals.x, totals.x > 0.0);
    sm_metrics[4] = totals.z;
    sm_metrics[5] = totals.w;
    sm_metrics[6] = mp.samples_per_group;
    sm_metrics[7] = mp.token_fraction;
  }
}
