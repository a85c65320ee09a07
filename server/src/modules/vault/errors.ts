import { AppError, conflict, notFound } from '../../platform/errors.js';

/** The vault's error codes, in one place. No message ever carries a credential. */
export const vaultErrors = {
  notFound: () => notFound('Integration'),
  nameTaken: (name: string) => conflict('integration_exists', `An integration named ${name} already exists`),
  /** A URL the org's egress policy does not let integrations reach (422 on save; 403 at call time). */
  egressDenied: (field: string, reason: string, status = 422) =>
    new AppError(status, 'egress_denied', `${field}: ${reason}`, {
      errors: [{ field: `body.${field}`, message: reason }],
    }),
  credentialRequired: () =>
    new AppError(400, 'credential_required', 'A new auth type needs its credential', {
      errors: [{ field: 'body.auth', message: 'the credential is required when the type changes' }],
    }),
  invalidAgent: () =>
    new AppError(400, 'invalid_agent', 'The agent is not an agent of this organization', {
      errors: [{ field: 'params.agent_id', message: 'is not an agent of this organization' }],
    }),
  grantNotFound: () => notFound('Grant'),
  disabled: () => new AppError(403, 'integration_disabled', 'The integration is disabled'),
  /** A stored credential that does not open: tampered with, or under a master key no longer configured. */
  unreadable: (cause: unknown) =>
    new AppError(500, 'credential_unreadable', 'The integration credential could not be opened', { cause }),
  /** The upstream token endpoint did not give a token. Its body is not echoed: it may quote the secret. */
  tokenFailed: (detail: string, cause?: unknown) =>
    new AppError(502, 'upstream_token_failed', `The integration's token endpoint ${detail}`, { cause }),
};
