/** RFC 6749 §5.2 error codes, plus RFC 8707's invalid_target and RFC 9449's DPoP codes. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** An error answered with an RFC 6749 body, `{error, error_description}`, instead of problem+json. */
export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    /** invalid_client after HTTP Basic authentication answers 401 with a challenge (RFC 6749 §5.2). */
    readonly challenge?: 'Basic',
  ) {
    super(description);
    this.name = 'OAuthError';
  }

  get status(): number {
    return this.code === 'invalid_client' ? 401 : 400;
  }
}
