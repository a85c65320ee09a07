import { type ReactNode, useEffect, useId, useRef } from 'react';
import { Button } from '../ui/Button';
import { CopyField } from '../ui/CopyField';
import { XIcon } from '../ui/icons';
import { ActorName, type ActorNames } from './ActorName';
import { formatExact } from './format';
import { OutcomeBadge } from './OutcomeBadge';
import type { AuditEvent } from './types';

const json = (value: unknown) => JSON.stringify(value, null, 2);

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </>
  );
}

const orNone = (value: string | null) => (value ? value : <span className="muted">—</span>);

export interface AuditEventDrawerProps {
  event: AuditEvent;
  names: ActorNames;
  onClose: () => void;
}

/**
 * Every field of one record, in a panel at the side (a modal <dialog>, so Escape and focus come for free):
 * the hashes in full and copyable, so a record can be checked against a copy kept elsewhere.
 */
export function AuditEventDrawer({ event: e, names, onClose }: AuditEventDrawerProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: backdrop click is a mouse shortcut; Escape (onCancel) is the keyboard path.
    <dialog
      ref={ref}
      className="drawer"
      aria-labelledby={titleId}
      data-testid="audit-drawer"
      data-seq={e.seq}
      onCancel={(ev) => {
        ev.preventDefault();
        onClose();
      }}
      onClick={(ev) => ev.target === ev.currentTarget && onClose()}
    >
      <div className="drawer-content">
        <header className="drawer-header">
          <div>
            <h2 className="modal-title" id={titleId}>
              Record {e.seq}
            </h2>
            <p className="mono muted">{e.action}</p>
          </div>
          <Button
            variant="ghost"
            size="sm"
            onClick={onClose}
            aria-label="Close"
            data-testid="audit-drawer-close"
          >
            <XIcon />
          </Button>
        </header>
        <dl className="details details-top">
          <Row label="Seq" testId="audit-drawer-seq">
            <span className="mono">{e.seq}</span>
          </Row>
          <Row label="ID">
            <span className="mono">{e.id}</span>
          </Row>
          <Row label="Time">
            <time dateTime={e.at} title={e.at}>
              {formatExact(e.at)}
            </time>
          </Row>
          <Row label="Action" testId="audit-drawer-action">
            <span className="mono">{e.action}</span>
          </Row>
          <Row label="Outcome">
            <OutcomeBadge outcome={e.outcome} />
          </Row>
          <Row label="Actor">
            <ActorName actor={e.actor} names={names} />
          </Row>
          <Row label="Actor ID">
            <span className="mono">{orNone(e.actor.id)}</span>
          </Row>
          <Row label="Target">
            {e.target ? (
              <span className="person-line">
                <span className="muted">{e.target.type}</span>
                <span className="mono">{e.target.id}</span>
              </span>
            ) : (
              <span className="muted">—</span>
            )}
          </Row>
          <Row label="IP address">
            <span className="mono">{orNone(e.ip)}</span>
          </Row>
          <Row label="User agent">{orNone(e.user_agent)}</Row>
          <Row label="Request ID">
            <span className="mono">{orNone(e.request_id)}</span>
          </Row>
          <Row label="Organization">
            <span className="mono">{orNone(e.org_id)}</span>
          </Row>
        </dl>
        {e.actor.chain && (
          <>
            <h3 className="section-title">Acting for (delegation chain)</h3>
            <pre className="code-block" data-testid="audit-drawer-chain">
              {json(e.actor.chain)}
            </pre>
          </>
        )}
        <h3 className="section-title">Details</h3>
        <pre className="code-block" data-testid="audit-drawer-details">
          {json(e.details)}
        </pre>
        <h3 className="section-title">Hash chain</h3>
        <div className="stack-sm">
          <CopyField label="Hash" value={e.hash} testId="audit-drawer-hash" />
          <CopyField label="Previous hash" value={e.prev_hash} testId="audit-drawer-prev-hash" />
          <p className="field-hint">
            Each record's hash covers its canonical JSON and the previous record's hash, so changing, removing
            or reordering any record breaks every hash after it.
          </p>
        </div>
      </div>
    </dialog>
  );
}
