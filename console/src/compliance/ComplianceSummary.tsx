import type { ComplianceReport } from './types';

/** The report's counts: passed and failed (the server's), and the controls that do not apply here. */
export function ComplianceSummary({ report }: { report: ComplianceReport }) {
  const notApplicable = report.controls.filter((c) => c.status === 'not_applicable').length;
  const tiles = [
    { key: 'passed', label: 'Passed', value: report.summary.passed, tone: 'success' },
    { key: 'failed', label: 'Failed', value: report.summary.failed, tone: 'danger' },
    { key: 'not-applicable', label: 'Not applicable', value: notApplicable, tone: 'neutral' },
  ];
  return (
    <div className="stat-tiles" data-testid="compliance-summary">
      {tiles.map((t) => (
        <div key={t.key} className={`stat-tile stat-${t.tone}`} data-testid={`compliance-${t.key}`}>
          <span className="stat-value">{t.value}</span>
          <span className="stat-label">{t.label}</span>
        </div>
      ))}
    </div>
  );
}
