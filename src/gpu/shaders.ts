// Every shaders/*.wgsl file, loaded as text through Vite's ?raw import, which
// works the same in the browser build, in vitest and under vite-node.
// A line `//!include name.wgsl` is replaced by that file (once per shader), so
// kernel families can share helpers without a WGSL module system. Lines
// between `//!if NAME` and `//!else` (or `//!endif`) are kept only when NAME is
// among the shader's defines, those between `//!else` and `//!endif` only when
// it is not: a variant that needs a device feature (SUBGROUPS: `enable
// subgroups;` and the broadcasts) is compiled only where the device has it.

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

/** Keeps the lines of `//!if` blocks that `defines` select (blocks do not nest). */
export function selectVariant(src: string, defines: readonly string[], name = 'shader'): string {
  const out: string[] = [];
  let block: { name: string; keep: boolean; inElse: boolean } | null = null;
  for (const line of src.split('\n')) {
    const directive = /^\/\/!(if|else|endif)\b\s*(\w*)\s*$/.exec(line.trim());
    if (!directive) {
      if (!block || block.keep !== block.inElse) out.push(line);
      continue;
    }
    const [, kind, what] = directive;
    if (kind === 'if') {
      if (block) throw new Error(`${name}: //!if ${what} inside //!if ${block.name} (blocks do not nest)`);
      block = { name: what, keep: defines.includes(what), inElse: false };
    } else if (!block) {
      throw new Error(`${name}: //!${kind} without //!if`);
    } else if (kind === 'else') {
      block.inElse = true;
    } else {
      block = null;
    }
  }
  if (block) throw new Error(`${name}: //!if ${block.name} has no //!endif`);
  return out.join('\n');
}

/** The WGSL source of shaders/<name>.wgsl with includes expanded and the `//!if` blocks `defines` select. */
export function shaderSource(name: string, defines: readonly string[] = []): string {
  const key = defines.length ? `${name}+${[...defines].sort().join('+')}` : name;
  let src = resolved.get(key);
  if (src === undefined) {
    src = selectVariant(expand(name, new Set([name])), defines, name);
    resolved.set(key, src);
  }
  return src;
}

export function shaderNames(): string[] {
  return [...byName.keys()].sort();
}
