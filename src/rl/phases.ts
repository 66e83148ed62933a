// An optional hook that lets a benchmark time a training step phase by phase
// (npm run bench:step). The trainer announces each phase as it enters it; it
// costs nothing when no recorder is given.

/** The phases of a training step, in order. */
export const STEP_PHASES = ['sampling', 'verify', 'reference', 'advantages', 'update', 'metrics'] as const;
export type StepPhase = (typeof STEP_PHASES)[number];

export interface PhaseRecorder {
  /**
   * Called as the step enters `phase`, and with null when the step ends. The
   * trainer awaits it, so a recorder may wait for the GPU to finish the work
   * recorded so far and charge it to the phase that recorded it.
   */
  enter(phase: StepPhase | null): Promise<void>;
}

export interface TrainerOptions {
  /** Read at every step, so a caller may attach or remove it between steps. */
  phases?: PhaseRecorder;
  /**
   * Run the update's passes over packed rows, each group's prompt prefix once
   * (src/rl/packing.ts). Default: on CPU adapters, where the work is the cost,
   * whenever the model's head size allows the packed kernels; GPUs keep the
   * dense rows and their tiled attention. Read when the trainer is made.
   */
  packPrompts?: boolean;
}
