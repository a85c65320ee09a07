import { formatDateTime } from '../lib/format';
import { Button } from '../ui/Button';
import { CopyField } from '../ui/CopyField';
import { RelativeTime } from '../ui/RelativeTime';
import type { IssuedCredential } from './types';

export interface IssuedSecretProps {
  issued: IssuedCredential;
  onDone: () => void;
}

/**
 * What create and rotate answered: the secret, shown here once. It lives only in the dialog's state, so
 * closing the dialog forgets it; the API cannot give it again.
 */
export function IssuedSecret({ issued, onDone }: IssuedSecretProps) {
  const secret = issued.client_secret ?? issued.api_key;
  return (
    <div className="form" data-testid="credential-issued" data-id={issued.id}>
      {issued.client_id && (
        <CopyField label="Client ID" value={issued.client_id} testId="credential-client-id" />
      )}
      {secret && (
        <>
          <CopyField
            label={issued.api_key ? 'API key' : 'Client secret'}
            value={secret}
            testId="credential-secret"
          />
          <p className="notice notice-warning" role="alert" data-testid="credential-secret-once">
            <strong>You will not see this secret again.</strong> Copy it now and keep it somewhere safe, such
            as a secrets manager. If it is lost, rotate the credential to get a new one.
          </p>
        </>
      )}
      {!secret && (
        <p className="modal-text">
          There is no shared secret: the agent signs its client assertions with its private key, using this
          client ID as issuer and subject.
        </p>
      )}
      {issued.previous_valid_until && (
        <p className="notice" data-testid="credential-previous-until">
          {new Date(issued.previous_valid_until).getTime() > Date.now() ? (
            <>
              The previous secret keeps working until{' '}
              <strong>{formatDateTime(issued.previous_valid_until)}</strong> (
              <RelativeTime iso={issued.previous_valid_until} />
              ). Update the agent before then; after that only the new secret works.
            </>
          ) : (
            'The previous secret has stopped working: only the new one works now.'
          )}
        </p>
      )}
      <div className="form-actions">
        <Button variant="primary" onClick={onDone} data-testid="credential-done">
          {secret ? 'I have copied it' : 'Done'}
        </Button>
      </div>
    </div>
  );
}
