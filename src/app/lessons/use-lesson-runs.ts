// A lesson widget's runs: launched on the page's lesson Runner (kept in
// memory, never among the lab's saved runs) and removed when the lesson closes.

import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunConfig } from '../../rl/config';
import { ALGORITHM_LABELS, algorithmOf } from '../colors';
import { useRunner } from '../runner-context';
import { type LabRun, useLab } from '../store';

export interface LaunchSpec {
  config: RunConfig;
  name: string;
}

export interface LessonRuns {
  /** This widget's runs, oldest first. */
  runs: LabRun[];
  ready: boolean;
  /** Adds runs (after removing the widget's earlier ones when `replace`); `start` trains them at once. */
  launch(specs: LaunchSpec[], opts?: { replace?: boolean; start?: boolean }): Promise<string[]>;
  stepOnce(id: string): Promise<void>;
  play(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  checkpoint(id: string): Promise<ArrayBuffer | null>;
}

export function useLessonRuns(): LessonRuns {
  const runner = useRunner();
  const [ids, setIds] = useState<string[]>([]);
  const owned = useRef<string[]>([]);
  const all = useLab((s) => s.runs);
  const runs = ids.map((id) => all.find((r) => r.id === id)).filter((r): r is LabRun => !!r);

  useEffect(
    () => () => {
      for (const id of owned.current) void runner?.remove(id);
      owned.current = [];
    },
    [runner],
  );

  const launch = useCallback(
    async (specs: LaunchSpec[], opts: { replace?: boolean; start?: boolean } = {}) => {
      if (!runner) return [];
      if (opts.replace) {
        for (const id of owned.current) await runner.remove(id);
        owned.current = [];
      }
      const added: string[] = [];
      for (const s of specs) added.push(await runner.create({ config: s.config, name: s.name, start: opts.start }));
      owned.current = [...owned.current, ...added];
      setIds(owned.current);
      return added;
    },
    [runner],
  );

  return {
    runs,
    ready: !!runner,
    launch,
    stepOnce: async (id) => runner?.stepOnce(id),
    play: async (id) => runner?.play(id),
    pause: async (id) => runner?.pause(id),
    checkpoint: async (id) => (runner ? runner.checkpoint(id) : null),
  };
}

/** A lesson run's name: algorithm · task · what this run varies. */
export const runName = (c: RunConfig, what: string) => `${ALGORITHM_LABELS[algorithmOf(c)]} · ${c.task} · ${what}`;

/** A widget that trains one run at a time: its current settings, its runs, and `add` to launch one (optionally replacing the earlier ones). */
export function useLessonLauncher(initial: RunConfig) {
  const [config, setConfig] = useState(initial);
  const control = useLessonRuns();
  const add = (c: RunConfig, what: string, replace = false) => {
    setConfig(c);
    void control.launch([{ config: c, name: runName(c, what) }], { replace, start: true });
  };
  return { config, control, add };
}
