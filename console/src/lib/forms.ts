import { useState } from 'react';
import { ApiError } from '../api';

/** Messages for a form's inputs by name: from checking it here first, else from the API's field errors. */
export type FieldErrors<K extends string> = Partial<Record<K, string>>;

export function fieldErrorsOf<K extends string>(local: FieldErrors<K>, error: unknown) {
  return (field: K): string | undefined =>
    local[field] ?? (error instanceof ApiError ? error.fieldError(field) : undefined);
}

/**
 * A form that is checked here before it is sent. Its messages show once it has been submitted;
 * `submit` sends only when the check found nothing, and keeps the API's error for the form to show.
 */
export function useFormSubmit<K extends string>(validate: () => FieldErrors<K>) {
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const local: FieldErrors<K> = submitted ? validate() : {};

  async function submit(send: () => Promise<void>) {
    setSubmitted(true);
    if (Object.values(validate()).some(Boolean)) return;
    setBusy(true);
    setError(null);
    try {
      await send();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, submit, fieldError: fieldErrorsOf(local, error) };
}
