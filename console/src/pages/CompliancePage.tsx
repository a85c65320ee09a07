import { type ReactNode, useCallback, useState } from 'react';
import { ApiError, api, complianceReportUrl } from '../api';
import { useSession } from '../auth/SessionContext';
import { ComplianceSummary } from '../compliance/ComplianceSummary';
import { ControlCard } from '../compliance/ControlCard';
import { formatDateTime } from '../lib/format';
import { useLoader } from '../lib/useLoader';
import { usePageTitle } from '../lib/usePageTitle';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { DownloadIcon, ExternalIcon } from '../ui/icons';
import { PageHeader } from '../ui/PageHeader';
import { Spinner } from '../ui/Spinner';

/** /compliance — the org's controls checked against its live configuration and log (admins only). */
export function CompliancePage() {
  usePageTitle('Compliance');
  const { org, role } = useSession();
  const isAdmin = role === 'admin';
  const [fresh, setFresh] = useState(0);
  // The report is cached briefly on the server; Re-run asks for a new one (fresh=1).
  const report = useLoader(
    useCallback(() => (isAdmin ? api.complianceReport(fresh > 0) : Promise.resolve(null)), [isAdmin, fresh]),
  );
  const forbidden = !isAdmin || (report.error instanceof ApiError && report.error.status === 403);
  const r = report.data;

  let body: ReactNode;
  if (forbidden) {
    body = (
      <Card>
        <EmptyState
          title="Only admins can see the compliance report"
          description="Ask an admin of this organization for a copy."
          data-testid="compliance-forbidden"
        />
      </Card>
    );
  } else if (!r) {
    body = report.error ? (
      <ErrorBanner error={report.error} onRetry={report.reload} />
    ) : (
      <div className="center-block">
        <Spinner label="Checking controls" />
      </div>
    );
  } else {
    body = (
      <div className="stack">
        <ErrorBanner error={report.error} onRetry={report.reload} />
        <ComplianceSummary report={r} />
        <p className="muted" data-testid="compliance-generated">
          Checked {formatDateTime(r.generated_at)}.
        </p>
        <div className="controls" data-testid="compliance-controls">
          {r.controls.map((c) => (
            <ControlCard key={c.id} control={c} />
          ))}
        </div>
      </div>
    );
  }

  return (
    <>
      <PageHeader
        title="Compliance"
        description={`How ${org.name} stands against its access controls, judged from its configuration and audit log, with the evidence for each.`}
        actions={
          isAdmin && (
            <>
              <Button
                onClick={() => setFresh((n) => n + 1)}
                loading={report.loading && Boolean(r)}
                data-testid="compliance-refresh"
              >
                Re-run checks
              </Button>
              <a
                className="btn btn-secondary"
                href={complianceReportUrl('json')}
                download
                data-testid="compliance-download-json"
              >
                <DownloadIcon />
                JSON
              </a>
              <a
                className="btn btn-primary"
                href={complianceReportUrl('html')}
                target="_blank"
                rel="noopener"
                data-testid="compliance-open-html"
              >
                <ExternalIcon />
                Printable report
              </a>
            </>
          )
        }
      />
      {body}
    </>
  );
}
