// Lesson links: `#lesson=N` opens lesson N with its own settings;
// `#lesson=N&run=<query>` also carries the widget's run settings, in the same
// `toQuery(runSchema, config)` encoding as the lab's share links. Parsing is
// lenient in the same way: bad values keep the lesson's own setting and are
// reported by key, and settings that cannot be read at all leave the lesson's
// own in place, with a warning that says so.

import { toQuery } from '../../config/schema';
import { type RunConfig, runConfigIssues, runSchema } from '../../rl/config';
import { readRunQuery } from '../share';

export const LESSON_COUNT = 6;

export interface LessonLink {
  lesson: number;
  /** The settings the link carries, or null when it carries none (use the lesson's own). */
  config: RunConfig | null;
  issues: string[];
}

/** True for any hash that names a lesson, well-formed or not: such hashes belong to the lessons, never to the lab's share links. */
export function isLessonHash(hash: string): boolean {
  return new URLSearchParams(hash.replace(/^#/, '')).has('lesson');
}

export function lessonHash(lesson: number, config?: RunConfig): string {
  const params = new URLSearchParams({ lesson: String(lesson) });
  if (config) params.set('run', toQuery(runSchema, config));
  return '#' + params.toString();
}

/**
 * Reads a lesson hash. `defaults(n)` is lesson n's own configuration: a link's
 * settings are read over the schema defaults (that is what the encoding
 * means), and a value the link gets wrong falls back to the lesson's own.
 */
export function parseLessonHash(hash: string, defaults: (lesson: number) => RunConfig): LessonLink | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const raw = params.get('lesson');
  if (raw === null) return null;
  const issues: string[] = [];
  let lesson = Number(raw);
  if (!Number.isInteger(lesson) || lesson < 1 || lesson > LESSON_COUNT) {
    issues.push(`There is no lesson "${raw}"; lesson 1 opened instead.`);
    lesson = 1;
  }
  const query = params.get('run');
  if (query === null) return { lesson, config: null, issues };
  const read = readRunQuery(query);
  if (!read.ok) {
    issues.push(`The settings in this lesson link are unreadable (${read.reason}); the lesson's own settings were used.`);
    return { lesson, config: null, issues };
  }
  const parsed = read.parsed;
  const config: Record<string, unknown> = { ...parsed.values };
  const own = defaults(lesson) as Record<string, unknown>;
  for (const e of parsed.errors) {
    config[e.key] = own[e.key];
    issues.push(`"${e.key}" ${e.message}; the lesson's own value was kept`);
  }
  for (const e of runConfigIssues(config as RunConfig)) issues.push(`"${e.key}" ${e.message}`);
  return { lesson, config: config as RunConfig, issues };
}
