// Benchmark scripts rewrite their own part of a Markdown file (docs/benchmarks.md)
// and leave the rest, other benchmarks' sections included, as it was.

const begin = (name: string) => `<!-- begin ${name} (written by npm run ${name}) -->`;
const end = (name: string) => `<!-- end ${name} -->`;

/**
 * `doc` with the section marked for `name` replaced by `body`; a missing
 * section is appended. Throws when the markers are unbalanced, so a hand edit
 * that broke them is never overwritten silently.
 */
export function replaceDocSection(doc: string, name: string, body: string): string {
  const b = begin(name), e = end(name);
  const i = doc.indexOf(b), j = doc.indexOf(e);
  const block = `${b}\n${body.trim()}\n${e}`;
  if (i < 0 && j < 0) return `${doc.trimEnd()}\n\n${block}\n`;
  if (i < 0 || j < i || doc.indexOf(b, i + 1) >= 0 || doc.indexOf(e, j + 1) >= 0) {
    throw new Error(`The markers of the "${name}" section are broken (expected one "${b}" before one "${e}")`);
  }
  return doc.slice(0, i) + block + doc.slice(j + e.length);
}
