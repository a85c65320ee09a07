import { formatDateTime } from '../lib/format';
import { Button } from '../ui/Button';
import { CopyField } from '../ui/CopyField';
import type { CreatedAccessToken } from './types';

/**
 * The token create answered, shown here once. It lives only in the dialog's state, so closing the dialog
 * forgets it; the API cannot give it again.
 */
export function IssuedAccessToken({ issued, onDone }: { issued: CreatedAccessToken; onDone: () => void }) {
  return (
    <div className="form" data-testid="iat-issued" data-id={issued.id}>
      <CopyField label="Initial access token" value={issued.token} testId="iat-token" />
      <p className="notice notice-warning" role="alert" data-testid="iat-token-once">
        <strong>You will not see this token again.</strong> Copy it now and give it to whoever registers the
        client: they send it as <span className="mono">Authorization: Bearer …</span> to{' '}
        <span className="mono">POST /oauth/register</span>.
      </p>
      <p className="modal-text">
        It works until <strong>{formatDateTime(issued.expires_at)}</strong>
        {issued.max_uses === null
          ? ', for any number of registrations.'
          : `, for ${issued.max_uses} registration${issued.max_uses === 1 ? '' : 's'}.`}
      </p>
      <div className="form-actions">
        <Button variant="primary" onClick={onDone} data-testid="iat-done">
          I have copied it
        </Button>
      </div>
    </div>
  );
}
