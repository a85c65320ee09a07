import { type ReactNode, useId } from 'react';
import { cx } from '../lib/cx';

/** What a control needs from its field: the id the label points at, and the ids of its message. */
export interface FieldControl {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

export interface FieldProps {
  label: string;
  hint?: string | undefined;
  /** Validation message shown under the control (marks it invalid). */
  error?: string | undefined;
  /** The control's id; one is made up when not given. */
  id?: string | undefined;
  className?: string | undefined;
  /** Renders the control with the attributes that tie it to the label and the message. */
  children: (control: FieldControl) => ReactNode;
}

/** A labelled form control with its hint, or its error in place of the hint. */
export function Field({ label, hint, error, id, className, children }: FieldProps) {
  const autoId = useId();
  const controlId = id ?? autoId;
  const messageId = `${controlId}-message`;
  const message = error || hint;
  return (
    <div className={cx('field', className)}>
      <label className="field-label" htmlFor={controlId}>
        {label}
      </label>
      {children({
        id: controlId,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': message ? messageId : undefined,
      })}
      {message && (
        <p className={error ? 'field-error' : 'field-hint'} id={messageId}>
          {message}
        </p>
      )}
    </div>
  );
}
