import { useState } from 'react';
import { type Field, coerce } from '../config/schema';

interface Props {
  name: string;
  field: Field;
  value: number | string | boolean;
  /** A problem with this setting in combination with others. */
  issue?: string;
  onChange(value: number | string | boolean): void;
}

function rangeText(field: Field): string {
  if (field.kind === 'int' || field.kind === 'float') return `${field.min} … ${field.max}${field.unit ? ` ${field.unit}` : ''}`;
  if (field.kind === 'enum') return field.options.join(' | ');
  return '';
}

/** One setting, built from its schema entry: the help, default, unit and valid range show on hover. */
export function SettingField({ name, field, value, issue, onChange }: Props) {
  // The text being typed may be invalid for a moment; the run config only ever holds valid values.
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = `setting-${name}`;
  const unit = field.kind === 'int' || field.kind === 'float' ? field.unit : undefined;
  const hint = `${field.help}. Default ${String(field.default)}${unit ? ` ${unit}` : ''}; valid ${rangeText(field)}.`;
  const message = error ?? issue;

  const commit = (raw: string) => {
    setText(raw);
    const r = coerce(field, raw);
    if (r.ok) {
      setError(null);
      onChange(r.value);
    } else setError(r.message);
  };

  let input;
  if (field.kind === 'enum') {
    input = (
      <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {field.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'bool') {
    input = <input id={id} type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} />;
  } else if (field.kind === 'string') {
    input = <input id={id} type="text" value={String(value)} maxLength={field.maxLength} onChange={(e) => onChange(e.target.value)} />;
  } else {
    input = (
      <input
        id={id}
        type="number"
        inputMode={field.kind === 'int' ? 'numeric' : 'decimal'}
        min={field.min}
        max={field.max}
        step={field.kind === 'int' ? 1 : (field.step ?? 'any')}
        value={text ?? String(value)}
        aria-invalid={!!error}
        onChange={(e) => commit(e.target.value)}
        onBlur={() => !error && setText(null)}
      />
    );
  }

  return (
    <div className={`setting${message ? ' setting-invalid' : ''}`} title={hint}>
      <label htmlFor={id}>
        {field.label}
        {unit && <span className="unit"> ({unit})</span>}
      </label>
      {input}
      {message && (
        <span className="setting-issue" role="alert">
          {message}
        </span>
      )}
    </div>
  );
}
