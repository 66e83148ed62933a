import { describe, expect, it } from 'vitest';
import { MAX_RUN_NAME_LENGTH, cleanRunName } from './run-name';

describe('run names', () => {
  it('lose bidi controls, so a name displays in the order it was typed', () => {
    expect(cleanRunName('evil\u202Egnp.exe')).toBe('evilgnp.exe');
    expect(cleanRunName('\u2067a\u2069 \u200Fb\u200E \u061Cc \u202Ad\u202C')).toBe('a b c d');
  });

  it('become one line with single spaces', () => {
    expect(cleanRunName('  two\nlines\tand\u0000nul  ')).toBe('two lines and nul');
    expect(cleanRunName('\u202E\u202C  ')).toBe('');
  });

  it('are cut to the limit by code points, marked with an ellipsis', () => {
    const long = cleanRunName('x'.repeat(5000));
    expect(Array.from(long)).toHaveLength(MAX_RUN_NAME_LENGTH);
    expect(long.endsWith('…')).toBe(true);
    const emoji = cleanRunName('🙂'.repeat(MAX_RUN_NAME_LENGTH + 5));
    expect(Array.from(emoji)).toHaveLength(MAX_RUN_NAME_LENGTH);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(cleanRunName('GRPO · countdown · seed 1')).toBe('GRPO · countdown · seed 1');
  });
});
