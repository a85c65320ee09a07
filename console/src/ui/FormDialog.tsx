import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { Button } from './Button';
import { ErrorBanner } from './ErrorBanner';
import { Modal } from './Modal';

export interface FormDialogProps {
  title: string;
  description?: ReactNode;
  /** The form's fields. */
  children: ReactNode;
  submitLabel: string;
  /** Runs on submit (the browser's own submission is already prevented). */
  onSubmit: () => void;
  onClose: () => void;
  /** While the request runs: the submit button spins and the dialog cannot be dismissed. */
  busy: boolean;
  /** The request's error; field errors named in `fields` show on their inputs instead. */
  error: unknown;
  fields?: readonly string[];
  submitDisabled?: boolean;
  wide?: boolean;
  'data-testid'?: string;
  submitTestId?: string;
}

/** A modal form: an error banner, the fields, then Cancel and the submit button. */
export function FormDialog({
  title,
  description,
  children,
  submitLabel,
  onSubmit,
  onClose,
  busy,
  error,
  fields,
  submitDisabled,
  wide,
  submitTestId,
  ...rest
}: FormDialogProps) {
  const form = useRef<HTMLFormElement>(null);
  const [attempts, setAttempts] = useState(0);

  // After a submission is refused, here or by the API, bring what needs fixing into view: in a long form
  // it may be scrolled away. Runs once the messages have rendered (the check, or the answer, is in).
  useEffect(() => {
    if (attempts === 0 || busy) return;
    const invalid = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (invalid) invalid.focus();
    else form.current?.querySelector('[role="alert"]')?.scrollIntoView({ block: 'nearest' });
  }, [attempts, busy]);

  function submit(e: FormEvent) {
    e.preventDefault();
    setAttempts((n) => n + 1);
    onSubmit();
  }
  return (
    <Modal
      title={title}
      description={description}
      onClose={onClose}
      busy={busy}
      wide={wide}
      data-testid={rest['data-testid']}
    >
      <form className="form" onSubmit={submit} noValidate ref={form}>
        <ErrorBanner error={error} fields={fields} />
        {children}
        <div className="form-actions">
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant="primary"
            loading={busy}
            disabled={submitDisabled}
            data-testid={submitTestId}
          >
            {submitLabel}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
