import { badRequest, notFound } from '../../platform/errors.js';

/**
 * RFC 7591 §3.2.2 error codes, plus RFC 6750 §3.1's invalid_token for the initial access token
 * and access_denied when the org has registration turned off.
 */
export type RegistrationErrorCode = 'invalid_client_metadata' | 'invalid_token' | 'access_denied';

const STATUS: Record<RegistrationErrorCode, number> = {
  invalid_client_metadata: 400,
  invalid_token: 401,
  access_denied: 403,
};

/** An error answered as `{error, error_description}` by POST /oauth/register. */
export class RegistrationError extends Error {
  constructor(
    readonly code: RegistrationErrorCode,
    readonly description: string,
  ) {
    super(description);
    this.name = 'RegistrationError';
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export const registrationErrors = {
  metadata: (description: string) => new RegistrationError('invalid_client_metadata', description),
  token: (description: string) => new RegistrationError('invalid_token', description),
  disabled: () =>
    new RegistrationError('access_denied', 'dynamic client registration is turned off for this organization'),
  /** Management API (problem+json). */
  tokenNotFound: () => notFound('Initial access token'),
  expiry: (message: string) =>
    badRequest('invalid_expiry', `expires_at ${message}`, [{ field: 'body.expires_at', message }]),
};
