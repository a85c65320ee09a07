import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api } from '../api';
import { useSessionContext } from '../auth/SessionContext';
import { FormDialog } from '../ui/FormDialog';
import { TextField } from '../ui/TextField';

/** Creates an organization (the caller becomes its admin) and switches to it. */
export function CreateOrgDialog({ onClose }: { onClose: () => void }) {
  const { switchOrg } = useSessionContext();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // Remembered so a retry after a failed switch does not create a second organization.
  const [createdId, setCreatedId] = useState<string | null>(null);

  async function submit() {
    setBusy(true);
    setError(null);
    try {
      const orgId = createdId ?? (await api.createOrg(name.trim())).id;
      setCreatedId(orgId);
      await switchOrg(orgId);
      onClose();
      navigate('/');
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  const nameError = error instanceof ApiError ? error.fieldError('name') : undefined;
  return (
    <FormDialog
      title="Create organization"
      description="You will be its admin and can invite people once it exists."
      submitLabel="Create organization"
      onSubmit={submit}
      onClose={onClose}
      busy={busy}
      error={error}
      fields={['name']}
      submitDisabled={!name.trim()}
      data-testid="create-org-dialog"
      submitTestId="create-org-submit"
    >
      <TextField
        label="Organization name"
        name="name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        disabled={createdId !== null}
        required
        maxLength={100}
        autoFocus
        placeholder="Acme Robotics"
        error={nameError}
        data-testid="create-org-name"
      />
    </FormDialog>
  );
}
