// Optional expiry times typed into a `datetime-local` input: the browser gives local wall-clock time without a
// zone, and the API wants an instant.

/** The input's value as an ISO instant; undefined when left empty (or not a time). */
export function expiryIso(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value); // no zone: read as local time, which is what the user sees
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** What is wrong with a typed expiry, if anything: it must be a time in the future. */
export function expiryError(value: string, now: number = Date.now()): string | undefined {
  if (!value) return undefined;
  const iso = expiryIso(value);
  if (!iso) return 'Enter a date and time.';
  if (new Date(iso).getTime() <= now) return 'Pick a time in the future.';
  return undefined;
}
