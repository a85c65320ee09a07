import { ControlStatusBadge } from './ControlStatusBadge';
import { EvidenceView } from './EvidenceView';
import type { Control } from './types';

/** One control: whether it holds, the evidence it was judged on, and what to do when it does not. */
export function ControlCard({ control: c }: { control: Control }) {
  return (
    <article
      className={`control control-${c.status}`}
      data-testid="compliance-control"
      data-id={c.id}
      data-status={c.status}
    >
      <header className="control-header">
        <div>
          <h3 className="control-title">{c.title}</h3>
          <p className="mono muted">{c.id}</p>
        </div>
        <ControlStatusBadge status={c.status} />
      </header>
      <h4 className="section-title">Evidence</h4>
      <EvidenceView evidence={c.evidence} />
      {c.remediation && (
        <>
          <h4 className="section-title">{c.status === 'fail' ? 'Remediation' : 'If this fails'}</h4>
          <p className="control-remediation" data-testid="control-remediation">
            {c.remediation}
          </p>
        </>
      )}
    </article>
  );
}
