import { useState } from 'react';
import { api } from '../api';
import { ConfirmDialog } from '../ui/ConfirmDialog';
import { Select } from '../ui/Select';
import type { KeyAlgorithm, SigningKey } from './types';

const ALG_OPTIONS: ReadonlyArray<{ value: KeyAlgorithm; label: string }> = [
  { value: 'EdDSA', label: 'EdDSA (Ed25519): small and fast' },
  { value: 'ES256', label: 'ES256 (P-256)' },
  { value: 'RS256', label: 'RS256 (RSA 2048): for verifiers that know nothing else' },
];
const isAlgorithm = (v: string): v is KeyAlgorithm => ALG_OPTIONS.some((o) => o.value === v);

export interface RotateKeyDialogProps {
  /** The key signing now, if any: its algorithm is the default, and it is what retires. */
  current: SigningKey | undefined;
  onClose: () => void;
  onRotated: (key: SigningKey) => void;
}

/** Confirms a rotation and says what it does: publish first, sign later, retire the old key gently. */
export function RotateKeyDialog({ current, onClose, onRotated }: RotateKeyDialogProps) {
  const [alg, setAlg] = useState<KeyAlgorithm>(current?.alg ?? 'EdDSA');

  async function rotate() {
    onRotated(await api.rotateSigningKey(alg));
  }

  return (
    <ConfirmDialog
      title="Rotate the signing key?"
      confirmLabel="Rotate key"
      onConfirm={rotate}
      onClose={onClose}
    >
      <p>
        A new key is made and <strong>published in the JWKS at once</strong>, but it signs tokens only after
        the publish-ahead delay (5 minutes unless configured otherwise), so resource servers that cache the
        JWKS already know it when the first token signed with it reaches them.
      </p>
      <p>
        {current ? (
          <>
            Until then <span className="mono">{current.kid}</span> keeps signing. It then retires and stays
            published until the last token it signed has expired, so no token in use stops verifying.
          </>
        ) : (
          'There is no key yet, so this first one signs at once.'
        )}
      </p>
      <Select
        label="Algorithm"
        name="alg"
        options={ALG_OPTIONS}
        value={alg}
        onChange={(e) => isAlgorithm(e.target.value) && setAlg(e.target.value)}
        hint="Tokens name their key and algorithm, so verifiers follow a change of algorithm too."
        data-testid="key-rotate-alg"
      />
    </ConfirmDialog>
  );
}
