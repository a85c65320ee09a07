import { type SelectHTMLAttributes, useId } from 'react';
import { cx } from '../lib/cx';

export interface SelectOption {
  value: string;
  label: string;
}

export interface SelectProps extends SelectHTMLAttributes<HTMLSelectElement> {
  options: readonly SelectOption[];
  /** Visible label; when `hideLabel` is set it is used as the accessible name only. */
  label: string;
  hideLabel?: boolean;
  hint?: string;
  error?: string | undefined;
  compact?: boolean;
}

export function Select({
  options,
  label,
  hideLabel,
  hint,
  error,
  compact,
  className,
  id,
  ...rest
}: SelectProps) {
  const autoId = useId();
  const selectId = id ?? autoId;
  const select = (
    <select
      id={selectId}
      className={cx('select', compact && 'select-compact', error && 'input-invalid', hideLabel && className)}
      aria-label={hideLabel ? label : undefined}
      aria-invalid={error ? true : undefined}
      {...rest}
    >
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
  if (hideLabel) return select;
  return (
    <div className={cx('field', className)}>
      <label className="field-label" htmlFor={selectId}>
        {label}
      </label>
      {select}
      {error && <p className="field-error">{error}</p>}
      {hint && !error && <p className="field-hint">{hint}</p>}
    </div>
  );
}
