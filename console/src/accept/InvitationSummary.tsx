import type { InvitationPreview } from '../api';
import { formatDateTime, formatRelative } from '../lib/format';
import { RoleBadge } from '../ui/RoleBadge';

export function InvitationSummary({ invite }: { invite: InvitationPreview }) {
  return (
    <dl className="details details-boxed" data-testid="invite-summary">
      <dt>Organization</dt>
      <dd data-testid="invite-org">{invite.org.name}</dd>
      <dt>Email</dt>
      <dd data-testid="invite-email">{invite.email}</dd>
      <dt>Role</dt>
      <dd>
        <RoleBadge role={invite.role} />
      </dd>
      <dt>Expires</dt>
      <dd title={formatDateTime(invite.expires_at)}>{formatRelative(invite.expires_at)}</dd>
    </dl>
  );
}
