// Every shaders/*.wgsl file, loaded as text through Vite's ?raw import, which
// works the same in the browser build, in vitest and under vite-node.
// A line `//!include name.wgsl` is replaced by that file (once per shader), so
// kernel families can share helpers without a WGSL module system.

const files = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

const byName = new Map<string, string>();
for (const [path, text] of Object.entries(files)) byName.set(path.slice(path.lastIndexOf('/') + 1, -'.wgsl'.length), text);

const resolved = new Map<string, string>();

function expand(name: string, seen: Set<string>): string {
  const text = byName.get(name);
  if (text === undefined) throw new Error(`Unknown shader "${name}" (no shaders/${name}.wgsl). Known: ${[...byName.keys()].join(', ')}`);
  return text.replace(/^\/\/!include\s+([\w-]+)\.wgsl\s*$/gm, (_, inc: string) => {
    if (seen.has(inc)) return '';
    seen.add(inc);
    return expand(inc, seen);
  });
}

/** The WGSL source of shaders/<name>.wgsl with includes expanded. */
export function shaderSource(name: string): string {
  let src = resolved.get(name);
  if (src === undefined) {
    src = expand(name, new Set([name]));
    resolved.set(name, src);
  }
  return src;
}

export function shaderNames(): string[] {
  return [...byName.keys()].sort();
}
