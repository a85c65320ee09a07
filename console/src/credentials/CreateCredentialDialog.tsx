import { useState } from 'react';
import { api } from '../api';
import { expiryError, expiryIso } from '../lib/expiry';
import { useFormSubmit } from '../lib/forms';
import { ExpiryField } from '../ui/ExpiryField';
import { FormDialog } from '../ui/FormDialog';
import { Modal } from '../ui/Modal';
import { Select } from '../ui/Select';
import { TextArea } from '../ui/TextArea';
import { TextField } from '../ui/TextField';
import { IssuedSecret } from './IssuedSecret';
import { isCredentialType, TYPE_HINTS, TYPE_OPTIONS } from './labels';
import type { CreateCredentialInput, CredentialType, IssuedCredential } from './types';

// The server names a bad key by its place in the set (body.jwks.keys.0): `keys` belongs to the JWKS input.
type Field = 'type' | 'jwks' | 'keys' | 'jwks_uri' | 'expires_at';
const FIELDS: readonly Field[] = ['type', 'jwks', 'keys', 'jwks_uri', 'expires_at'];
type KeySource = 'jwks' | 'jwks_uri';
const SOURCE_OPTIONS = [
  { value: 'jwks', label: 'Paste a JWKS' },
  { value: 'jwks_uri', label: 'Fetch from a JWKS URI' },
];
const JWKS_PLACEHOLDER = '{"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "…"}]}';

/** The pasted JWK Set, or what is wrong with it (the server checks each key further). */
function parseJwks(text: string): { value: { keys: Record<string, unknown>[] } } | { error: string } {
  if (!text.trim()) return { error: 'Paste the public keys as a JWK Set.' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'Not valid JSON.' };
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'object' && k)) {
    return { error: 'A JWK Set is an object with a non-empty "keys" array.' };
  }
  return { value: { keys: keys as Record<string, unknown>[] } };
}

function uriError(uri: string): string | undefined {
  if (!uri.trim()) return 'Enter the URL the agent publishes its public keys at.';
  try {
    const url = new URL(uri.trim());
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an https URL.';
  } catch {
    return 'Enter a full URL, like https://agent.example.com/jwks.json.';
  }
  return undefined;
}

export interface CreateCredentialDialogProps {
  agentId: string;
  onClose: () => void;
  /** After the credential exists, while its secret is still on screen. */
  onCreated: () => void;
}

/** Issues a credential, then shows its secret once in the same dialog. */
export function CreateCredentialDialog({ agentId, onClose, onCreated }: CreateCredentialDialogProps) {
  const [type, setType] = useState<CredentialType>('client_secret');
  const [source, setSource] = useState<KeySource>('jwks');
  const [jwks, setJwks] = useState('');
  const [jwksUri, setJwksUri] = useState('');
  const [expires, setExpires] = useState('');
  const [issued, setIssued] = useState<IssuedCredential | null>(null);
  const byKeys = type === 'private_key_jwt';
  const parsed = byKeys && source === 'jwks' ? parseJwks(jwks) : null;
  const form = useFormSubmit<Field>(() => ({
    jwks: parsed && 'error' in parsed ? parsed.error : undefined,
    jwks_uri: byKeys && source === 'jwks_uri' ? uriError(jwksUri) : undefined,
    expires_at: expiryError(expires),
  }));
  const jwksError = form.fieldError('jwks') ?? form.fieldError('keys');

  const create = () =>
    form.submit(async () => {
      const expires_at = expiryIso(expires);
      let input: CreateCredentialInput;
      if (!byKeys) input = { type };
      else if (parsed && 'value' in parsed) input = { type, jwks: parsed.value };
      else input = { type: 'private_key_jwt', jwks_uri: jwksUri.trim() };
      setIssued(await api.createCredential(agentId, { ...input, ...(expires_at ? { expires_at } : {}) }));
      onCreated();
    });

  if (issued) {
    const hasSecret = Boolean(issued.client_secret ?? issued.api_key);
    return (
      // While a secret is on screen, only the button closes the dialog: a stray click must not lose it.
      <Modal title="Credential created" onClose={onClose} busy={hasSecret} data-testid="credential-dialog">
        <IssuedSecret issued={issued} onDone={onClose} />
      </Modal>
    );
  }

  return (
    <FormDialog
      title="New credential"
      description="What the agent authenticates with to get tokens. A generated secret is shown once."
      submitLabel="Create credential"
      onSubmit={create}
      onClose={onClose}
      busy={form.busy}
      error={form.error}
      fields={FIELDS}
      wide={byKeys}
      data-testid="credential-dialog"
      submitTestId="credential-create-submit"
    >
      <Select
        label="Type"
        name="type"
        options={TYPE_OPTIONS}
        value={type}
        onChange={(e) => isCredentialType(e.target.value) && setType(e.target.value)}
        hint={TYPE_HINTS[type]}
        error={form.fieldError('type')}
        data-testid="credential-type"
      />
      {byKeys && (
        <>
          <Select
            label="Public keys"
            name="key_source"
            options={SOURCE_OPTIONS}
            value={source}
            onChange={(e) => setSource(e.target.value === 'jwks_uri' ? 'jwks_uri' : 'jwks')}
            data-testid="credential-key-source"
          />
          {source === 'jwks' ? (
            <TextArea
              label="JWKS"
              name="jwks"
              mono
              rows={6}
              spellCheck={false}
              placeholder={JWKS_PLACEHOLDER}
              value={jwks}
              onChange={(e) => setJwks(e.target.value)}
              hint="Public keys only (OKP, EC or RSA); a key with private parts is refused."
              error={jwksError}
              data-testid="credential-jwks"
            />
          ) : (
            <TextField
              label="JWKS URI"
              name="jwks_uri"
              type="url"
              autoComplete="off"
              spellCheck={false}
              placeholder="https://agent.example.com/.well-known/jwks.json"
              value={jwksUri}
              onChange={(e) => setJwksUri(e.target.value)}
              hint="Fetched when the agent authenticates, so it can change its keys itself."
              error={form.fieldError('jwks_uri')}
              data-testid="credential-jwks-uri"
            />
          )}
        </>
      )}
      <ExpiryField
        value={expires}
        onChange={setExpires}
        hint="Leave empty for a credential that works until it is revoked."
        error={form.fieldError('expires_at')}
        data-testid="credential-expires"
      />
    </FormDialog>
  );
}
