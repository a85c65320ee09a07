import type { TextareaHTMLAttributes } from 'react';
import { cx } from '../lib/cx';
import { Field } from './Field';

export interface TextAreaProps extends TextareaHTMLAttributes<HTMLTextAreaElement> {
  label: string;
  hint?: string;
  /** Validation message shown under the text area (marks it invalid). */
  error?: string | undefined;
  /** Monospace text, for code and JSON. */
  mono?: boolean;
}

export function TextArea({ label, hint, error, mono, className, id, rows = 4, ...textarea }: TextAreaProps) {
  return (
    <Field label={label} hint={hint} error={error} id={id} className={className}>
      {(control) => (
        <textarea
          className={cx('input', 'textarea', mono && 'input-mono', error && 'input-invalid')}
          rows={rows}
          {...control}
          {...textarea}
        />
      )}
    </Field>
  );
}
