import { AppError, badRequest, conflict } from '../../platform/errors.js';

const refused = (code: string, message: string) => new AppError(401, code, message);

/**
 * The signing module's error codes, in one place (documented in docs/command-signing.md). A
 * refused signature is 401 with one of four codes; which check failed within bad_signature (an
 * unknown key, another agent's key, a digest mismatch, a wrong HMAC) is not told apart, so a
 * prober learns nothing about keys it does not hold.
 */
export const signingErrors = {
  required: () =>
    refused('signature_required', 'This call must be signed: send Gatehouse-Signature (see command signing)'),
  bad: () => refused('bad_signature', 'The command signature does not verify'),
  stale: () =>
    refused(
      'stale_signature',
      'The command signature timestamp is outside the accepted window of 5 minutes; check the clock',
    ),
  replayed: () => refused('replayed', 'This signature nonce was already used: sign each call afresh'),
  storeDown: (cause: unknown) =>
    new AppError(503, 'store_unavailable', 'Signatures cannot be checked right now; try again', { cause }),
  agentArchived: () => conflict('agent_archived', 'An archived agent cannot be given signing keys'),
  revoked: () => conflict('signing_key_revoked', 'This signing key is revoked'),
  expired: () => conflict('signing_key_expired', 'This signing key has expired'),
  replaced: () =>
    conflict('signing_key_replaced', 'This signing key was already rotated: rotate the key that replaced it'),
  tooMany: (max: number) =>
    conflict('too_many_signing_keys', `An agent may hold at most ${max} live signing keys; revoke one first`),
  expiresInPast: () =>
    badRequest('invalid_expiry', 'expires_at must be in the future', [
      { field: 'body.expires_at', message: 'must be in the future' },
    ]),
};
