// Typed settings, TensorFlow-Playground style: every setting declares its type,
// default, range, unit and a one-line explanation. The same declaration
// validates command-line flags (strict: unknown keys and bad values refuse the
// run), URL hashes (lenient: unknown keys are ignored, bad values reported by
// key and replaced by the default) and forms in the lab.

export interface NumberField {
  kind: 'int' | 'float';
  default: number;
  min: number;
  max: number;
  step?: number;
  unit?: string;
  /** Show a logarithmic slider (learning rates). */
  log?: boolean;
  label: string;
  help: string;
  group?: string;
}

export interface EnumField<T extends string = string> {
  kind: 'enum';
  default: T;
  options: readonly T[];
  label: string;
  help: string;
  group?: string;
}

export interface BoolField {
  kind: 'bool';
  default: boolean;
  label: string;
  help: string;
  group?: string;
}

export interface StringField {
  kind: 'string';
  default: string;
  maxLength: number;
  label: string;
  help: string;
  group?: string;
}

export type Field = NumberField | EnumField | BoolField | StringField;
export type Schema = Record<string, Field>;

type ValueOf<F> = F extends NumberField ? number : F extends { kind: 'enum'; options: readonly (infer T)[] } ? T : F extends BoolField ? boolean : string;
export type Values<S extends Schema> = { [K in keyof S]: ValueOf<S[K]> };

export interface SettingIssue {
  key: string;
  message: string;
}

export interface ParseResult<S extends Schema> {
  values: Values<S>;
  /** Keys whose value was refused (the default was kept). */
  errors: SettingIssue[];
  /** Keys the schema does not know. */
  unknown: string[];
}

export function defaults<S extends Schema>(schema: S): Values<S> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema)) out[k] = f.default;
  return out as Values<S>;
}

/** Coerces one raw value (string from a URL or a flag, or a JSON value) to the field's type, or says why it can't. */
export function coerce(field: Field, raw: unknown): { ok: true; value: number | string | boolean } | { ok: false; message: string } {
  switch (field.kind) {
    case 'int':
    case 'float': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) return { ok: false, message: `expected a number, got ${JSON.stringify(raw)}` };
      if (field.kind === 'int' && !Number.isInteger(n)) return { ok: false, message: `expected a whole number, got ${JSON.stringify(raw)}` };
      if (n < field.min || n > field.max) return { ok: false, message: `${n} is out of range [${field.min}, ${field.max}]${field.unit ? ` ${field.unit}` : ''}` };
      return { ok: true, value: n };
    }
    case 'enum': {
      const s = String(raw);
      if (!field.options.includes(s)) return { ok: false, message: `expected one of ${field.options.join(', ')}, got ${JSON.stringify(raw)}` };
      return { ok: true, value: s };
    }
    case 'bool': {
      if (raw === true || raw === 'true' || raw === '1' || raw === '') return { ok: true, value: true };
      if (raw === false || raw === 'false' || raw === '0') return { ok: true, value: false };
      return { ok: false, message: `expected true or false, got ${JSON.stringify(raw)}` };
    }
    case 'string': {
      if (typeof raw !== 'string') return { ok: false, message: `expected text, got ${JSON.stringify(raw)}` };
      if (raw.length > field.maxLength) return { ok: false, message: `longer than ${field.maxLength} characters` };
      return { ok: true, value: raw };
    }
  }
}

/** Reads settings from key/value pairs; every refused value keeps its default and is reported. */
export function parseEntries<S extends Schema>(schema: S, entries: Iterable<[string, unknown]>, base: Values<S> = defaults(schema)): ParseResult<S> {
  const values: Record<string, unknown> = { ...base };
  const errors: SettingIssue[] = [];
  const unknown: string[] = [];
  for (const [key, raw] of entries) {
    const field = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (!field) {
      unknown.push(key);
      continue;
    }
    const r = coerce(field, raw);
    if (r.ok) values[key] = r.value;
    else errors.push({ key, message: r.message });
  }
  return { values: values as Values<S>, errors, unknown };
}

/** Encodes the settings that differ from the defaults as `key=value&…` (stable key order). */
export function toQuery<S extends Schema>(schema: S, values: Values<S>, { all = false } = {}): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(schema)) {
    const v = (values as Record<string, unknown>)[key];
    if (all || v !== schema[key].default) params.set(key, String(v));
  }
  return params.toString();
}

export function fromQuery<S extends Schema>(schema: S, query: string): ParseResult<S> {
  return parseEntries(schema, new URLSearchParams(query.replace(/^[#?]/, '')).entries());
}

/**
 * Parses `--key value` / `--key=value` / `--flag` command-line arguments
 * strictly: anything unknown or invalid is an error naming the flag.
 * Arguments not in the schema but listed in `extra` are returned separately.
 */
export function parseFlags<S extends Schema>(schema: S, argv: readonly string[], extra: readonly string[] = []): { values: Values<S>; extra: Record<string, string>; errors: string[] } {
  const entries: [string, string][] = [];
  const extraOut: Record<string, string> = {};
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    if (!arg.startsWith('--')) {
      errors.push(`unexpected argument ${JSON.stringify(arg)} (flags look like --key value)`);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (schema[key]?.kind === 'bool' && (i + 1 >= argv.length || argv[i + 1].startsWith('--'))) value = 'true';
    else if (i + 1 < argv.length) value = argv[++i];
    else {
      errors.push(`--${key} needs a value`);
      continue;
    }
    if (extra.includes(key)) extraOut[key] = value;
    else entries.push([key, value]);
  }
  const r = parseEntries(schema, entries);
  for (const k of r.unknown) errors.push(`unknown option --${k}${suggest(k, [...Object.keys(schema), ...extra])}`);
  for (const e of r.errors) errors.push(`--${e.key}: ${e.message}`);
  return { values: r.values, extra: extraOut, errors };
}

function suggest(key: string, known: string[]): string {
  const lower = key.toLowerCase();
  const hit = known.find((k) => k.toLowerCase() === lower) ?? known.find((k) => k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase()));
  return hit ? ` (did you mean --${hit}?)` : '';
}

/** One line per setting, for --help. */
export function describe(schema: Schema): string {
  return Object.entries(schema)
    .map(([k, f]) => {
      const range = f.kind === 'int' || f.kind === 'float' ? ` [${f.min}…${f.max}${f.unit ? ` ${f.unit}` : ''}]` : f.kind === 'enum' ? ` {${f.options.join('|')}}` : '';
      return `  --${k.padEnd(22)} ${f.help} (default ${String(f.default)})${range}`;
    })
    .join('\n');
}
