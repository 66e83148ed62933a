// The layout every lesson shares: title, a short text with formulas, the live
// widget, "Try this" suggestions and the lesson's own link.

import { type ReactNode, useState } from 'react';
import type { RunConfig } from '../../rl/config';
import { lessonInfo } from './catalogue';
import { lessonHash } from './lesson-link';

export interface Suggestion {
  /** The button's label: what it changes. */
  label: string;
  /** What to look for once it runs. */
  look: ReactNode;
  apply(): void;
}

interface Props {
  number: number;
  /** The settings the link should reproduce (the widget's current main run). */
  config: RunConfig;
  text: ReactNode;
  widget: ReactNode;
  tries: Suggestion[];
  disabled?: boolean;
}

function CopyLink({ number, config }: { number: number; config: RunConfig }) {
  const [url, setUrl] = useState('');
  const copy = () => {
    const link = `${location.origin}${location.pathname}${location.search}${lessonHash(number, config)}`;
    setUrl(link);
    void navigator.clipboard?.writeText(link).catch(() => undefined);
  };
  return (
    <div className="lesson-link">
      <button type="button" onClick={copy}>
        Copy lesson link
      </button>
      {url && <input aria-label="Lesson link" readOnly value={url} onFocus={(e) => e.target.select()} />}
    </div>
  );
}

export function LessonFrame({ number, config, text, widget, tries, disabled }: Props) {
  const info = lessonInfo(number);
  return (
    <article className="lesson" aria-labelledby="lesson-title">
      <h2 id="lesson-title">
        Lesson {number} · {info.title}
      </h2>
      <div className="lesson-text">{text}</div>
      <section className="lesson-widget" aria-label="Widget">
        {widget}
      </section>
      <section className="lesson-tries" aria-label="Try this">
        <h3>Try this</h3>
        <ol>
          {tries.map((t) => (
            <li key={t.label}>
              <button type="button" disabled={disabled} onClick={t.apply}>
                {t.label}
              </button>
              <span className="lesson-look">{t.look}</span>
            </li>
          ))}
        </ol>
      </section>
      <CopyLink number={number} config={config} />
    </article>
  );
}
