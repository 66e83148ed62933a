import { useState } from 'react';
import { type Field, coerce } from '../config/schema';

interface Props {
  name: string;
  field: Field;
  value: number | string | boolean;
  /** A problem with this setting in combination with others. */
  issue?: string;
  onChange(value: number | string | boolean): void;
  /** Told whenever the typed text stops or starts parsing, so launching can wait for a valid value. */
  onError?(message: string | null): void;
}

function rangeText(field: Field): string {
  if (field.kind === 'int' || field.kind === 'float') return `${field.min} … ${field.max}${field.unit ? ` ${field.unit}` : ''}`;
  if (field.kind === 'enum') return field.options.join(' | ');
  return '';
}

/**
 * A setting's help for mouse, touch and keyboard: the (?) button after the
 * label opens the text below the field; screen readers get the same text as
 * the field's description (aria-describedby reads it even while closed).
 */
export function useHelp(id: string, label: string, text: string) {
  const [open, setOpen] = useState(false);
  const button = (
    <button type="button" className="help-button" aria-label={`About ${label}`} aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
      ?
    </button>
  );
  const help = (
    <span id={id} className="setting-help" hidden={!open}>
      {text}
    </span>
  );
  return { button, help };
}

/** One setting, built from its schema entry: its help (default, unit and valid range) sits behind a (?) button. */
export function SettingField({ name, field, value, issue, onChange, onError }: Props) {
  // The text being typed may be invalid for a moment; the run config only ever holds valid values.
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const id = `setting-${name}`;
  const helpId = `${id}-help`;
  const issueId = `${id}-issue`;
  const unit = field.kind === 'int' || field.kind === 'float' ? field.unit : undefined;
  const hint = `${field.help}. Default ${String(field.default)}${unit ? ` ${unit}` : ''}; valid ${rangeText(field)}.`;
  const message = error ?? issue;
  const help = useHelp(helpId, field.label, hint);
  const described = { 'aria-describedby': message ? `${helpId} ${issueId}` : helpId, 'aria-invalid': !!message };

  const commit = (raw: string) => {
    setText(raw);
    const r = coerce(field, raw);
    const next = r.ok ? null : r.message;
    if (next !== error) onError?.(next);
    setError(next);
    if (r.ok) onChange(r.value);
  };

  let input;
  if (field.kind === 'enum') {
    input = (
      <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)} {...described}>
        {field.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === 'bool') {
    input = <input id={id} type="checkbox" checked={Boolean(value)} onChange={(e) => onChange(e.target.checked)} {...described} />;
  } else if (field.kind === 'string') {
    input = <input id={id} type="text" value={String(value)} maxLength={field.maxLength} onChange={(e) => onChange(e.target.value)} {...described} />;
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
        onChange={(e) => commit(e.target.value)}
        onBlur={() => !error && setText(null)}
        {...described}
      />
    );
  }

  return (
    <div className={`setting${message ? ' setting-invalid' : ''}`}>
      <span className="setting-label">
        <label htmlFor={id}>
          {field.label}
          {unit && <span className="unit"> ({unit})</span>}
        </label>
        {help.button}
      </span>
      {input}
      {help.help}
      {message && (
        <span id={issueId} className="setting-issue" role="alert">
          {message}
        </span>
      )}
    </div>
  );
}
