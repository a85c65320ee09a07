import type { InputHTMLAttributes } from 'react';
import { cx } from '../lib/cx';
import { Field } from './Field';

export interface TextFieldProps extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  hint?: string;
  /** Validation message shown under the input (marks it invalid). */
  error?: string | undefined;
}

export function TextField({ label, hint, error, className, id, ...input }: TextFieldProps) {
  return (
    <Field label={label} hint={hint} error={error} id={id} className={className}>
      {(control) => <input className={cx('input', error && 'input-invalid')} {...control} {...input} />}
    </Field>
  );
}
