// Uniforms passed by name. Each entry point's uniform struct (the one bound
// through a `var<uniform>` the entry reaches, directly or through the
// functions it calls) is read from the WGSL once: field names, scalar types
// and order. A dispatch names its values; they are checked against that
// struct and packed in its order, so a wrapper and its shader cannot disagree
// on the order, and a missing, extra or mistyped field is refused by name.

export type ScalarType = 'u32' | 'i32' | 'f32';

export interface Param {
  t: ScalarType;
  v: number;
}

export const u32 = (v: number): Param => ({ t: 'u32', v });
export const i32 = (v: number): Param => ({ t: 'i32', v });
export const f32 = (v: number): Param => ({ t: 'f32', v });

/** Named uniform values for one dispatch, e.g. `{ N: u32(n), eps: f32(1e-5) }`. */
export type Params = Readonly<Record<string, Param>>;

export interface UniformField {
  name: string;
  type: ScalarType;
}

export interface UniformLayout {
  /** The WGSL struct's name, for messages. */
  struct: string;
  fields: UniformField[];
}

const SCALARS = new Set<string>(['u32', 'i32', 'f32']);

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
}

/** Source text of each function body, by function name (matching braces). */
function functionBodies(src: string): Map<string, string> {
  const bodies = new Map<string, string>();
  const header = /\bfn\s+(\w+)\s*\(/g;
  for (let m = header.exec(src); m; m = header.exec(src)) {
    const open = src.indexOf('{', m.index);
    if (open < 0) break;
    let depth = 0;
    let end = open;
    for (; end < src.length; end++) {
      if (src[end] === '{') depth++;
      else if (src[end] === '}' && --depth === 0) break;
    }
    // The parameter list may name uniforms' types only, never the uniform variables; include it anyway for simplicity.
    bodies.set(m[1], src.slice(m.index, end + 1));
    header.lastIndex = end;
  }
  return bodies;
}

function structFields(src: string, shader: string): Map<string, UniformField[] | string> {
  const structs = new Map<string, UniformField[] | string>();
  const decl = /\bstruct\s+(\w+)\s*\{([^}]*)\}/g;
  for (let m = decl.exec(src); m; m = decl.exec(src)) {
    const fields: UniformField[] = [];
    let problem = '';
    for (const part of m[2].split(',')) {
      const text = part.trim();
      if (!text) continue;
      const f = /^(?:@\w+(?:\([^)]*\))?\s*)*(\w+)\s*:\s*([\w<>, ]+)$/.exec(text);
      if (!f) problem ||= `cannot read field "${text}"`;
      else if (!SCALARS.has(f[2].trim())) problem ||= `field ${f[1]} has type ${f[2].trim()}; only u32, i32 and f32 fields can be passed by name`;
      else fields.push({ name: f[1], type: f[2].trim() as ScalarType });
    }
    structs.set(m[1], problem ? `shaders/${shader}.wgsl struct ${m[1]}: ${problem}` : fields);
  }
  return structs;
}

/**
 * The uniform struct `entry` of `shader` reads, or null when it reads none.
 * Throws when the entry point does not exist or reaches two uniform variables.
 */
export function parseUniformLayout(source: string, shader: string, entry: string): UniformLayout | null {
  const src = stripComments(source);
  const bodies = functionBodies(src);
  if (!bodies.has(entry)) throw new Error(`shaders/${shader}.wgsl has no entry point "${entry}" (functions: ${[...bodies.keys()].join(', ')})`);
  const uniforms = new Map<string, string>();
  const decl = /var<uniform>\s+(\w+)\s*:\s*(\w+)\s*;/g;
  for (let m = decl.exec(src); m; m = decl.exec(src)) uniforms.set(m[1], m[2]);

  const reached = new Set<string>();
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const body = bodies.get(queue.pop()!)!;
    for (const [, id] of body.matchAll(/\b([A-Za-z_]\w*)\b/g)) {
      if (uniforms.has(id)) reached.add(id);
      else if (bodies.has(id) && !seen.has(id)) {
        seen.add(id);
        queue.push(id);
      }
    }
  }
  if (reached.size === 0) return null;
  if (reached.size > 1) throw new Error(`shaders/${shader}.wgsl: entry point "${entry}" reads several uniform variables (${[...reached].join(', ')}); it may read one`);
  const variable = [...reached][0];
  const struct = uniforms.get(variable)!;
  const fields = structFields(src, shader).get(struct);
  if (fields === undefined) throw new Error(`shaders/${shader}.wgsl: uniform ${variable} has type ${struct}, which is not a struct declared there`);
  if (typeof fields === 'string') throw new Error(fields);
  return { struct, fields };
}

function checkValue(where: string, name: string, p: Param): void {
  const { t, v } = p;
  if (t === 'f32') {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${where}: ${name} = ${v} is not a number`);
    return;
  }
  const [lo, hi] = t === 'u32' ? [0, 2 ** 32 - 1] : [-(2 ** 31), 2 ** 31 - 1];
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${where}: ${name} = ${v} is not a ${t} (an integer in ${lo}..${hi})`);
}

/**
 * The values of `params` in the struct's order, after checking that they name
 * exactly its fields with their types. `where` names the kernel in messages.
 */
export function orderParams(layout: UniformLayout | null, params: Params | null, where: string): Param[] | null {
  if (layout === null) {
    if (params && Object.keys(params).length > 0) throw new Error(`${where} reads no uniforms, but was given ${Object.keys(params).join(', ')}`);
    return null;
  }
  const expected = () => layout.fields.map((f) => `${f.name}: ${f.type}`).join(', ');
  if (!params) throw new Error(`${where} needs its uniforms (struct ${layout.struct} { ${expected()} }) and was given none`);
  let given = 0;
  for (const n in params) if (Object.hasOwn(params, n)) given++;
  // The struct's names are distinct: when each is given and nothing more, the names match.
  if (given !== layout.fields.length || !layout.fields.every((f) => f.name in params)) {
    const names = new Set(layout.fields.map((f) => f.name));
    const missing = layout.fields.filter((f) => !(f.name in params)).map((f) => f.name);
    const extra = Object.keys(params).filter((n) => !names.has(n));
    const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unknown ${extra.join(', ')}` : ''].filter(Boolean);
    throw new Error(`${where}: uniforms ${parts.join('; ')} (struct ${layout.struct} { ${expected()} })`);
  }
  return layout.fields.map((f) => {
    const p = params[f.name];
    if (!p || p.t !== f.type) throw new Error(`${where}: uniform ${f.name} is ${f.type} in struct ${layout.struct}, but was given ${p ? p.t : String(p)}`);
    checkValue(where, f.name, p);
    return p;
  });
}
