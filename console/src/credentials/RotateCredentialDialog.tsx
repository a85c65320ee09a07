import { useState } from 'react';
import { api } from '../api';
import { FormDialog } from '../ui/FormDialog';
import { Modal } from '../ui/Modal';
import { Select } from '../ui/Select';
import { IssuedSecret } from './IssuedSecret';
import { GRACE_DEFAULT, GRACE_OPTIONS, identifierOf, TYPE_LABELS } from './labels';
import type { Credential, IssuedCredential } from './types';

export interface RotateCredentialDialogProps {
  agentId: string;
  credential: Credential;
  onClose: () => void;
  /** After the rotation, while the new secret is still on screen. */
  onRotated: () => void;
}

/** Asks for the grace period, rotates, then shows the new secret once. */
export function RotateCredentialDialog({
  agentId,
  credential,
  onClose,
  onRotated,
}: RotateCredentialDialogProps) {
  const [grace, setGrace] = useState(String(GRACE_DEFAULT));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [issued, setIssued] = useState<IssuedCredential | null>(null);
  const what = TYPE_LABELS[credential.type].toLowerCase();

  async function rotate() {
    setBusy(true);
    setError(null);
    try {
      setIssued(await api.rotateCredential(agentId, credential.id, Number(grace)));
      onRotated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  if (issued) {
    return (
      // Only the button closes it: a stray click must not lose the new secret.
      <Modal title={`New ${what}`} onClose={onClose} busy data-testid="rotate-dialog">
        <IssuedSecret issued={issued} onDone={onClose} />
      </Modal>
    );
  }

  return (
    <FormDialog
      title={`Rotate ${what}?`}
      description={
        <>
          A new secret for <span className="mono">{identifierOf(credential)}</span>. The current one keeps
          working for the grace period, so the agent can switch without failing requests.
        </>
      }
      submitLabel="Rotate"
      onSubmit={rotate}
      onClose={onClose}
      busy={busy}
      error={error}
      data-testid="rotate-dialog"
      submitTestId="rotate-submit"
    >
      <Select
        label="The current secret keeps working for"
        name="grace_seconds"
        options={GRACE_OPTIONS}
        value={grace}
        onChange={(e) => setGrace(e.target.value)}
        hint={
          credential.status === 'rotating'
            ? 'A secret still in an earlier grace period stops now: at most two work at once.'
            : undefined
        }
        data-testid="rotate-grace"
      />
    </FormDialog>
  );
}
