// The signing keys API's shapes (server/src/modules/keys/routes.ts).
export type KeyAlgorithm = 'EdDSA' | 'ES256' | 'RS256';
export interface SigningKey {
  kid: string;
  alg: KeyAlgorithm;
  status: 'pending' | 'active' | 'retired';
  created_at: string;
  activates_at: string;
  publish_until: string | null;
}
