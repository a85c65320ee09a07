import { cx } from '../lib/cx';
import { AlertIcon, CheckIcon } from '../ui/icons';
import type { BreakKind, VerifyReport } from './types';

const KIND_LABELS: Record<BreakKind, string> = {
  modified: 'a record was changed',
  deleted: 'a record is missing',
  reordered: 'records are out of order',
  inserted: 'a record was added that was not chained',
  truncated: 'the newest records were cut off',
};

function titleOf({ break: broken, last_seq }: VerifyReport): string {
  if (broken) return `Chain broken at seq ${broken.seq}: ${broken.kind}`;
  return last_seq === null ? 'Nothing to verify yet' : 'Chain intact';
}

/** What verifying the chain found: ok and how far, or where it first breaks and how. */
export function VerifyResult({ report }: { report: VerifyReport }) {
  const broken = report.break;
  return (
    <div
      className={cx('verify-result', broken ? 'verify-broken' : 'verify-ok')}
      role="status"
      data-testid="audit-verify-result"
      data-ok={String(report.ok)}
      data-break-seq={broken?.seq}
      data-break-kind={broken?.kind}
    >
      {broken ? <AlertIcon className="verify-icon" /> : <CheckIcon className="verify-icon" />}
      <div>
        <p className="verify-title">{titleOf(report)}</p>
        {broken && <p>{KIND_LABELS[broken.kind] ?? broken.kind}.</p>}
        <p className="verify-message" data-testid="audit-verify-message">
          {report.message}
        </p>
        {!broken && report.last_hash && (
          <p className="verify-meta">
            Last hash <span className="mono">{report.last_hash}</span>
          </p>
        )}
      </div>
    </div>
  );
}
