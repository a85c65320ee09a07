import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, api } from '../api';
import { AuditEventDrawer } from '../audit/AuditEventDrawer';
import { AuditFilterBar } from '../audit/AuditFilterBar';
import { AuditTable } from '../audit/AuditTable';
import { AuditTabs } from '../audit/AuditTabs';
import { FILTER_KEYS, filtersOf, isFiltered } from '../audit/filters';
import type { AuditEvent, AuditFilters, VerifyReport } from '../audit/types';
import { useLiveTail } from '../audit/useLiveTail';
import { VerifyResult } from '../audit/VerifyResult';
import { useSession } from '../auth/SessionContext';
import { useAgentIndex } from '../delegations/useAgentIndex';
import { useMembers } from '../lib/useMembers';
import { usePagedList } from '../lib/usePagedList';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { ScrollIcon } from '../ui/icons';
import { PagedListBody } from '../ui/PagedListBody';
import { PageHeader } from '../ui/PageHeader';

/** /audit — the org's tamper-evident log: filtered, followed live, opened record by record, verified. */
export function AuditLogPage() {
  usePageTitle('Audit log');
  const { org, role } = useSession();
  const isAdmin = role === 'admin';
  const [params, setParams] = useSearchParams();
  const query = params.toString();
  // One object per filter state, so the list and the tail restart only when the filters change.
  const filters = useMemo(() => filtersOf(new URLSearchParams(query)), [query]);
  const [live, setLive] = useState(false);
  const [open, setOpen] = useState<AuditEvent | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);
  const names = { members: useMembers(), agents: useAgentIndex() };

  const records = usePagedList(
    useCallback(
      (cursor: string | null) =>
        isAdmin ? api.listAudit(filters, cursor) : Promise.resolve({ items: [], next_cursor: null }),
      [isAdmin, filters],
    ),
  );
  useLiveTail(records, filters, live && isAdmin);
  const forbidden = !isAdmin || (records.error instanceof ApiError && records.error.status === 403);

  function applyFilters(next: AuditFilters) {
    const out = new URLSearchParams();
    for (const key of FILTER_KEYS) if (next[key]) out.set(key, next[key]);
    setParams(out, { replace: true });
  }

  async function verify() {
    setVerifying(true);
    setVerifyError(null);
    try {
      setReport(await api.verifyAudit());
    } catch (err) {
      setReport(null);
      setVerifyError(err);
    } finally {
      setVerifying(false);
    }
  }

  const empty = isFiltered(filters) ? (
    <EmptyState
      title="No records match these filters"
      description="Try a shorter action prefix, another outcome or a wider time window."
      data-testid="audit-empty"
    />
  ) : (
    <EmptyState
      icon={<ScrollIcon />}
      title="No records yet"
      description="Sign-ins, changes and every token issued or refused are recorded here."
      data-testid="audit-empty"
    />
  );

  return (
    <>
      <PageHeader
        title="Audit log"
        description={`What happened in ${org.name}, who did it and what came of it. Each record is chained to the one before by its hash.`}
        actions={
          isAdmin && (
            <>
              <Button
                onClick={() => setLive((on) => !on)}
                aria-pressed={live}
                className={live ? 'btn-live' : undefined}
                data-testid="audit-live"
              >
                <span className="live-dot" aria-hidden="true" />
                {live ? 'Live: on' : 'Live tail'}
              </Button>
              <Button variant="primary" onClick={verify} loading={verifying} data-testid="audit-verify">
                Verify chain
              </Button>
            </>
          )
        }
      />
      {isAdmin && <AuditTabs />}
      <div className="stack">
        {(report || verifyError !== null) && (
          <div>
            <ErrorBanner error={verifyError} onRetry={verify} />
            {report && <VerifyResult report={report} />}
          </div>
        )}
        <Card flush data-testid="audit-card">
          {forbidden ? (
            <EmptyState
              title="Only admins can read the audit log"
              description="Ask an admin of this organization if you need to know what happened."
              data-testid="audit-forbidden"
            />
          ) : (
            <>
              {/* Keyed by the URL: when the filters change under it (back, forward), its inputs follow. */}
              <AuditFilterBar key={query} filters={filters} onApply={applyFilters} />
              <PagedListBody list={records} loadingLabel="Loading audit records" empty={empty}>
                <AuditTable events={records.items} names={names} onOpen={setOpen} />
              </PagedListBody>
            </>
          )}
        </Card>
      </div>
      {open && <AuditEventDrawer event={open} names={names} onClose={() => setOpen(null)} />}
    </>
  );
}
