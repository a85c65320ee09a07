import type { CreatedInvitation } from '../api';
import { ROLE_LABELS } from '../lib/roles';
import { Button } from '../ui/Button';
import { CopyField } from '../ui/CopyField';
import { RelativeTime } from '../ui/RelativeTime';

export interface InviteLinkResultProps {
  invitation: CreatedInvitation;
  onDone: () => void;
  onInviteAnother: () => void;
}

/** The one-time invitation link, shown right after creation and never again. */
export function InviteLinkResult({ invitation, onDone, onInviteAnother }: InviteLinkResultProps) {
  return (
    <div className="form">
      <p className="modal-text">
        Send this link to <strong>{invitation.email}</strong>. They will join as{' '}
        <strong>{ROLE_LABELS[invitation.role] ?? invitation.role}</strong>.
      </p>
      <CopyField label="Invitation link" value={invitation.invite_url} testId="invite-link" />
      <p className="notice notice-warning" data-testid="invite-link-once">
        This link is shown only once. Copy it now — if it is lost, revoke the invitation and create a new one.
        It expires <RelativeTime iso={invitation.expires_at} />.
      </p>
      <div className="form-actions">
        <Button onClick={onInviteAnother}>Invite another</Button>
        <Button variant="primary" onClick={onDone} data-testid="invite-done" autoFocus>
          Done
        </Button>
      </div>
    </div>
  );
}
