import { cx } from '../lib/cx';
import { ChipList } from '../ui/ChipList';
import type { Decision } from './types';

/** Allowed or denied, and why: the reason codes and the policies that decided. */
export function DecisionView({ decision, draft }: { decision: Decision; draft: boolean }) {
  return (
    <div
      className={cx('decision', decision.allowed ? 'decision-allowed' : 'decision-denied')}
      data-testid="simulate-result"
      data-allowed={String(decision.allowed)}
    >
      <div className="decision-verdict" data-testid="simulate-verdict">
        {decision.allowed ? 'Allowed' : 'Denied'}
      </div>
      <dl className="details details-top">
        <dt>Action</dt>
        <dd className="mono">{decision.action}</dd>
        <dt>Capability</dt>
        <dd className="mono">{decision.capability ?? <span className="muted">None</span>}</dd>
        <dt>Reasons</dt>
        <dd>
          <ul className="chip-list" data-testid="simulate-reasons">
            {decision.reasons.map((r) => (
              <li key={r} className="chip" data-testid="simulate-reason">
                {r}
              </li>
            ))}
          </ul>
        </dd>
        <dt>Deciding policies</dt>
        <dd>
          <ChipList items={decision.policies} empty="None" testId="simulate-policies" />
        </dd>
        <dt>Policies used</dt>
        <dd data-testid="simulate-source">
          {draft ? 'The text in the editor (not saved)' : `Version ${decision.policy_version ?? 0}, in force`}
        </dd>
      </dl>
    </div>
  );
}
