import { useEffect, useState } from 'react';
import { ApiError, api } from '../api';
import type { Loader } from '../lib/useLoader';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ErrorBanner } from '../ui/ErrorBanner';
import { RelativeTime } from '../ui/RelativeTime';
import { Spinner } from '../ui/Spinner';
import { TokensInput } from '../ui/TokensInput';
import type { Egress } from './types';

const same = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Where the org's integrations may send requests: allowed hosts, and private addresses allowed anyway. */
export function EgressCard({ egress }: { egress: Loader<Egress> }) {
  const [hosts, setHosts] = useState<string[]>([]);
  const [allowPrivate, setAllowPrivate] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const data = egress.data;
  useEffect(() => {
    if (!data) return;
    setHosts(data.hosts);
    setAllowPrivate(data.allow_private);
  }, [data]);
  const dirty = data !== undefined && (!same(hosts, data.hosts) || !same(allowPrivate, data.allow_private));

  async function save() {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      egress.set(await api.putEgress({ hosts, allow_private: allowPrivate }));
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (field: string) => (error instanceof ApiError ? error.fieldError(field) : undefined);

  return (
    <Card
      title="Egress"
      description="Where integrations may send requests: the gateway's calls and the vault's token requests. Checked on save and again, with the resolved address, on every call."
      data-testid="egress-card"
    >
      {!data ? (
        egress.loading ? (
          <div className="center-block">
            <Spinner label="Loading the egress policy" />
          </div>
        ) : (
          <ErrorBanner error={egress.error} onRetry={egress.reload} />
        )
      ) : (
        <form
          className="form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <ErrorBanner error={error} fields={['hosts', 'allow_private']} />
          <TokensInput
            label="Allowed hosts"
            value={hosts}
            onChange={(next) => {
              setHosts(next);
              setSaved(false);
            }}
            placeholder="api.example.com *.example.com"
            hint="Exact hosts or *.example.com. Empty: any public host over https. Plain http only ever goes to a listed host."
            error={fieldError('hosts')}
            data-testid="egress-hosts-input"
          />
          <TokensInput
            label="Private addresses allowed"
            value={allowPrivate}
            onChange={(next) => {
              setAllowPrivate(next);
              setSaved(false);
            }}
            placeholder="10.0.0.5 10.1.0.0/16"
            hint="IPs or CIDRs in private, loopback or link-local ranges that integrations may reach anyway. Everything else there is refused."
            error={fieldError('allow_private')}
            data-testid="egress-private-input"
          />
          <div className="form-actions">
            {data.updated_at && (
              <span className="muted">
                Updated <RelativeTime iso={data.updated_at} />
              </span>
            )}
            {saved && !dirty && (
              <span className="muted" data-testid="egress-saved">
                Saved
              </span>
            )}
            <Button
              type="submit"
              variant="primary"
              loading={busy}
              disabled={!dirty}
              data-testid="egress-save"
            >
              Save egress
            </Button>
          </div>
        </form>
      )}
    </Card>
  );
}
