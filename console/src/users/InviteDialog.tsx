import { useState } from 'react';
import { ApiError, api, type CreatedInvitation, type Role } from '../api';
import { isRole, ROLE_OPTIONS } from '../lib/roles';
import { FormDialog } from '../ui/FormDialog';
import { Modal } from '../ui/Modal';
import { Select } from '../ui/Select';
import { TextField } from '../ui/TextField';
import { InviteLinkResult } from './InviteLinkResult';

export interface InviteDialogProps {
  onClose: () => void;
  /** Called after an invitation is created, to refresh the pending list. */
  onInvited: () => void;
}

export function InviteDialog({ onClose, onInvited }: InviteDialogProps) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedInvitation | null>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      setCreated(await api.createInvitation(email.trim(), role));
      onInvited();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  function inviteAnother() {
    setCreated(null);
    setEmail('');
  }

  if (created) {
    return (
      <Modal title="Invitation created" onClose={onClose} data-testid="invite-dialog">
        <InviteLinkResult invitation={created} onDone={onClose} onInviteAnother={inviteAnother} />
      </Modal>
    );
  }

  const fieldError = (name: string) => (error instanceof ApiError ? error.fieldError(name) : undefined);
  return (
    <FormDialog
      title="Invite user"
      description="They get a one-time link to join this organization with the role you choose."
      submitLabel="Create invitation"
      onSubmit={submit}
      onClose={onClose}
      busy={busy}
      error={error}
      fields={['email', 'role']}
      submitDisabled={!email.trim()}
      data-testid="invite-dialog"
      submitTestId="invite-submit"
    >
      <TextField
        label="Email"
        type="email"
        name="email"
        autoComplete="off"
        placeholder="name@company.com"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        autoFocus
        required
        error={fieldError('email')}
        data-testid="invite-email"
      />
      <Select
        label="Role"
        name="role"
        options={ROLE_OPTIONS}
        value={role}
        onChange={(e) => isRole(e.target.value) && setRole(e.target.value)}
        hint="Admins can manage members and invitations. You can change the role later."
        error={fieldError('role')}
        data-testid="invite-role"
      />
    </FormDialog>
  );
}
