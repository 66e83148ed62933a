// The workgroup of the one-workgroup reductions (grpo_reduce, rover_reduce,
// D³S's selection_metrics, group_advantages, rollout_stats). On a CPU adapter
// the barriers of a wider tree cost far more than its sums (npm run
// bench:profile: at 256 invocations grpo_reduce took 10× and group_advantages
// 20× as long). Up to REDUCE_WG rows (or groups) each invocation takes at most
// one, so those sums do not depend on it.

const REDUCE_WG = 64u;
