/** A field-level problem reported with a validation error. */
export interface FieldError {
  field: string;
  message: string;
  /** For a field holding source text (a policy set): where in it, 1-based. */
  line?: number;
  column?: number;
}

/**
 * The one error type of Gatehouse. `code` is stable and documented; `message` is safe to show
 * to a client; `cause` is for logs only and never leaves the process.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { errors?: FieldError[]; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: extra.cause });
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string, errors?: FieldError[]) =>
  new AppError(400, code, message, errors ? { errors } : {});
export const unauthorized = (code = 'unauthorized', message = 'Authentication is required') =>
  new AppError(401, code, message);
export const forbidden = (code = 'forbidden', message = 'You are not allowed to do this') =>
  new AppError(403, code, message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (code: string, message: string) => new AppError(409, code, message);
export const tooManyRequests = (retryAfterSeconds: number, message = 'Too many requests') =>
  new AppError(429, 'rate_limited', message, { retryAfterSeconds });
export const unavailable = (code: string, message: string) => new AppError(503, code, message);

/** Throws `error` unless `condition` holds; narrows like an assertion. */
export function assertThat(condition: unknown, error: AppError | (() => AppError)): asserts condition {
  if (!condition) throw typeof error === 'function' ? error() : error;
}
