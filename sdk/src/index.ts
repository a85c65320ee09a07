export { AgentClient, type AgentClientOptions, type ExchangeOptions } from './agent/agent-client.js';
export type { ClientAuth, ClientSecretAuth, PrivateKeyJwtAuth } from './agent/client-auth.js';
export type { ServerMetadata } from './agent/discovery.js';
export type { DPoPKeyPair } from './agent/dpop.js';
export { OAuthError } from './agent/errors.js';
export type { PrivateKey } from './agent/keys.js';
export {
  bodyDigest,
  type CanonicalCommand,
  type CommandSigningKey,
  type CommandToSign,
  canonicalCommandString,
  hmacSignature,
  newNonce,
  pathWithQueryOf,
  SIGNATURE_VERSION,
  type SignatureHeaders,
  type SigningFetchOptions,
  type SignOptions,
  signCommand,
  signingFetch,
} from './agent/signing.js';
export type { AccessToken } from './agent/token-request.js';
export {
  type AccessTokenClaims,
  type ActorClaim,
  createTokenVerifier,
  TokenVerificationError,
  type TokenVerifier,
  type TokenVerifierOptions,
} from './agent/verifier.js';
export { type ClientOptions, GatehouseClient } from './client.js';
export { GatehouseError, type Problem } from './errors.js';
export type * from './rooms/types.js';
export {
  connectRooms,
  RoomsClient,
  RoomsError,
  type RoomsEvent,
  type RoomsEvents,
  type RoomsOptions,
  type SendOptions,
  type SendResult,
} from './rooms.js';
export type * from './types.js';
