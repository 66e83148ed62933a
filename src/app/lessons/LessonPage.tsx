// The lessons page: a list of the six lessons and the open one. Its runs live
// on a Runner of their own, kept in memory, so lessons never touch the lab's
// saved runs.

import { type ComponentType, useEffect, useMemo, useState } from 'react';
import type { RunConfig } from '../../rl/config';
import { blockedText, launchProblems } from '../launch-check';
import { Runner } from '../runner';
import { RunnerContext } from '../runner-context';
import { probeGpu } from '../startup';
import { useLab } from '../store';
import { LESSONS, lessonInfo } from './catalogue';
import { Lesson1Step } from './Lesson1Step';
import { Lesson2Cliff } from './Lesson2Cliff';
import { Lesson3Sharpening } from './Lesson3Sharpening';
import { Lesson4Tree } from './Lesson4Tree';
import { Lesson5D3S } from './Lesson5D3S';
import { Lesson6Polarity } from './Lesson6Polarity';
import { lessonHash, parseLessonHash } from './lesson-link';
import { memoryLabDb } from './memory-db';
import { navigate } from './route';
import './lessons.css';

const COMPONENTS: Record<number, ComponentType<{ initial: RunConfig }>> = {
  1: Lesson1Step,
  2: Lesson2Cliff,
  3: Lesson3Sharpening,
  4: Lesson4Tree,
  5: Lesson5D3S,
  6: Lesson6Polarity,
};

function GpuLine() {
  const gpu = useLab((s) => s.gpu);
  useEffect(() => {
    if (useLab.getState().gpu.status === 'probing') void probeGpu();
  }, []);
  if (gpu.status === 'ready') return <p className="adapter" data-testid="adapter">WebGPU adapter: {gpu.name}{gpu.software ? ' (software: expect minutes where a GPU takes seconds)' : ''}</p>;
  if (gpu.status === 'unavailable') return <p className="adapter adapter-unavailable" role="status">{gpu.message} The lessons need WebGPU to train.</p>;
  return <p className="adapter">Looking for a WebGPU adapter…</p>;
}

export function LessonPage({ hash }: { hash: string }) {
  const runner = useMemo(() => new Runner(memoryLabDb()), []);
  const link = useMemo(() => parseLessonHash(hash, (n) => lessonInfo(n).config()), [hash]);
  const [dismissed, setDismissed] = useState(false);
  const lesson = link?.lesson ?? 1;
  const Lesson = COMPONENTS[lesson];
  const initial = link?.config ?? lessonInfo(lesson).config();
  // A link may carry settings that contradict each other; the lesson's launchers stay off until it is fixed.
  const problems = launchProblems([initial], {}, null);
  return (
    <RunnerContext.Provider value={runner}>
      <div className="lessons">
        <header>
          <h1>RLVR Lab · Lessons</h1>
          <GpuLine />
          <a href="./" onClick={(e) => (e.preventDefault(), navigate(''))}>
            Open the lab
          </a>
        </header>
        <nav aria-label="Lessons" className="lesson-nav">
          <ol>
            {LESSONS.map((l) => (
              <li key={l.number} aria-current={l.number === lesson ? 'page' : undefined}>
                <a href={lessonHash(l.number)} title={l.summary} onClick={(e) => (e.preventDefault(), navigate(lessonHash(l.number)))}>
                  {l.number}. {l.title}
                </a>
              </li>
            ))}
          </ol>
        </nav>
        {link && link.issues.length > 0 && !dismissed && (
          <div className="banner banner-warning" role="status">
            <strong>Some settings in this lesson link were not usable</strong>
            <ul>
              {link.issues.map((i) => (
                <li key={i}>{i}</li>
              ))}
            </ul>
            <button type="button" onClick={() => setDismissed(true)}>
              Dismiss
            </button>
          </div>
        )}
        {problems.length > 0 && (
          <p id="lesson-launch-blocked" className="launch-blocked" data-testid="launch-blocked">
            This link’s settings cannot train: {problems.map((p) => `${p.label}: ${p.message}`).join('; ')}. {blockedText(problems)} Open the lesson without them from the list above.
          </p>
        )}
        <fieldset className="lesson-launchers" disabled={problems.length > 0} aria-describedby={problems.length > 0 ? 'lesson-launch-blocked' : undefined}>
          <Lesson key={hash} initial={initial} />
        </fieldset>
      </div>
    </RunnerContext.Provider>
  );
}
