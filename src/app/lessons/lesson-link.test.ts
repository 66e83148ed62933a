import { describe, expect, it } from 'vitest';
import { LESSONS, lessonInfo } from './catalogue';
import { isLessonHash, lessonHash, parseLessonHash } from './lesson-link';

const own = (n: number) => lessonInfo(n).config();

describe('lesson links', () => {
  it('round-trips every lesson with its settings', () => {
    for (const l of LESSONS) {
      const config = { ...l.config(), seed: 77, group: 5 };
      const link = parseLessonHash(lessonHash(l.number, config), own);
      expect(link).toEqual({ lesson: l.number, config, issues: [] });
    }
  });

  it('a bare lesson link carries no settings', () => {
    expect(parseLessonHash('#lesson=4', own)).toEqual({ lesson: 4, config: null, issues: [] });
    expect(isLessonHash('#lesson=4')).toBe(true);
    expect(isLessonHash('#run=algo%3Drover')).toBe(false);
    expect(parseLessonHash('#run=algo%3Drover', own)).toBeNull();
  });

  it('keeps the lesson’s own value for a refused setting and names it; an unknown lesson opens lesson 1', () => {
    const link = parseLessonHash('#lesson=4&run=' + encodeURIComponent('task=tree&algo=rover&group=zero&seed=9'), own)!;
    expect(link.lesson).toBe(4);
    expect(link.config!.seed).toBe(9);
    expect(link.config!.group).toBe(own(4).group);
    expect(link.issues).toHaveLength(1);
    expect(link.issues[0]).toMatch(/"group"/);
    const bad = parseLessonHash('#lesson=42', own)!;
    expect(bad.lesson).toBe(1);
    expect(bad.issues[0]).toMatch(/no lesson "42"/);
  });

  it('an unreadable settings payload keeps the lesson’s own settings and says so', () => {
    for (const hash of ['#lesson=4&run=%E0%A4%A', '#lesson=2&run=hello']) {
      const link = parseLessonHash(hash, own)!;
      expect(link.config).toBeNull();
      expect(link.issues).toHaveLength(1);
      expect(link.issues[0]).toMatch(/settings in this lesson link are unreadable \((broken percent-encoding|no setting this lab knows \("hello"\))/);
    }
  });
});
