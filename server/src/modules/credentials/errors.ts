import { badRequest, conflict } from '../../platform/errors.js';

/** The credentials module's error codes, in one place (documented by their messages). */
export const credentialErrors = {
  agentArchived: () => conflict('agent_archived', 'An archived agent cannot be given credentials'),
  revoked: () => conflict('credential_revoked', 'This credential is revoked'),
  expired: () => conflict('credential_expired', 'This credential has expired'),
  notRotatable: () =>
    badRequest(
      'rotation_not_supported',
      'A private_key_jwt credential has no secret to rotate: register new keys in a new credential',
    ),
  expiresInPast: () =>
    badRequest('invalid_expiry', 'expires_at must be in the future', [
      { field: 'body.expires_at', message: 'must be in the future' },
    ]),
};
