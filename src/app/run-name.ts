// Run names come from people, files and links. Before one is stored or shown
// it loses the characters that would reorder or hide the text around it
// (bidi embeddings, overrides and isolates, control characters) and is cut to
// a length the run list can hold.

export const MAX_RUN_NAME_LENGTH = 80;

// U+061C, U+200E/F (marks), U+202A–E (embeddings, overrides), U+2066–9 (isolates).
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
// C0 and C1 controls, tabs and newlines included: a name is one line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001F\u007F-\u009F]/g;

/** The name as the lab keeps and shows it: no bidi or control characters, single spaces, at most MAX_RUN_NAME_LENGTH characters. */
export function cleanRunName(raw: string): string {
  const text = raw.replace(BIDI_CONTROLS, '').replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  // By code points, so a cut never splits a surrogate pair.
  const chars = Array.from(text);
  return chars.length > MAX_RUN_NAME_LENGTH ? chars.slice(0, MAX_RUN_NAME_LENGTH - 1).join('') + '…' : text;
}
