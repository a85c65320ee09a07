/**
 * An OAuth error from the authorization server (RFC 6749 §5.2), or a response the client could
 * not use. `error` is the server's code (`invalid_client`, `invalid_scope`, `invalid_dpop_proof`,
 * …); answers that are not OAuth errors get `invalid_response` with the HTTP status.
 */
export class OAuthError extends Error {
  /** The RFC 6749 error code, e.g. `invalid_client`; `invalid_response` for an unusable answer. */
  readonly error: string;
  /** The server's human-readable explanation, when it gave one. */
  readonly errorDescription: string | undefined;
  /** The HTTP status of the answer; 0 when there was none to read. */
  readonly status: number;

  constructor(error: string, errorDescription: string | undefined, status: number, options?: ErrorOptions) {
    super(errorDescription ? `${error}: ${errorDescription}` : error, options);
    this.name = 'OAuthError';
    this.error = error;
    this.errorDescription = errorDescription;
    this.status = status;
  }
}

/** Reads an RFC 6749 error body, falling back to `invalid_response` when the body is not one. */
export async function oauthErrorFrom(res: Response): Promise<OAuthError> {
  const body: unknown = await res.json().catch(() => undefined);
  if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
    const { error, error_description } = body as { error: string; error_description?: unknown };
    return new OAuthError(
      error,
      typeof error_description === 'string' ? error_description : undefined,
      res.status,
    );
  }
  return new OAuthError('invalid_response', `unexpected HTTP ${res.status} answer`, res.status);
}
