import type { SelectHTMLAttributes } from 'react';
import { cx } from '../lib/cx';
import { Field, type FieldControl } from './Field';

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
  const select = (control: Partial<FieldControl>) => (
    <select
      className={cx('select', compact && 'select-compact', error && 'input-invalid', hideLabel && className)}
      aria-label={hideLabel ? label : undefined}
      {...control}
      {...rest}
    >
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
  if (hideLabel) return select({ id, 'aria-invalid': error ? true : undefined });
  return (
    <Field label={label} hint={hint} error={error} id={id} className={className}>
      {select}
    </Field>
  );
}
