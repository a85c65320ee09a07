import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, type FieldError } from '../api';
import { useSession } from '../auth/SessionContext';
import { PolicyEditor, type PolicyEditorHandle } from '../authz/PolicyEditor';
import { PolicyProblems } from '../authz/PolicyProblems';
import { PolicyVersionDialog } from '../authz/PolicyVersionDialog';
import { PolicyVersionsTable } from '../authz/PolicyVersionsTable';
import { SimulateCard } from '../authz/SimulateCard';
import type { PolicyVersion } from '../authz/types';
import { useAgentIndex } from '../delegations/useAgentIndex';
import { roleAtLeast } from '../lib/roles';
import { useLoader } from '../lib/useLoader';
import { useMembers } from '../lib/useMembers';
import { usePageTitle } from '../lib/usePageTitle';
import { Badge } from '../ui/Badge';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { EmptyState } from '../ui/EmptyState';
import { ErrorBanner } from '../ui/ErrorBanner';
import { PageHeader } from '../ui/PageHeader';
import { Spinner } from '../ui/Spinner';
import { TextField } from '../ui/TextField';
import '../authz/authz.css';

const nothing = () => Promise.resolve(undefined);

/**
 * /policies — the org's Cedar policy set: the one in force and its version, an editor that saves a new version
 * (the server's problems shown at their line and column), the history, and a box that tests a request against
 * the text being edited. Managers read and test; admins save.
 */
export function PoliciesPage() {
  usePageTitle('Policies');
  const { org, role } = useSession();
  const canRead = roleAtLeast(role, 'manager');
  const canEdit = role === 'admin';
  const current = useLoader(useCallback(() => (canRead ? api.getPolicies() : nothing()), [canRead]));
  const versions = useLoader(useCallback(() => (canRead ? api.listPolicyVersions() : nothing()), [canRead]));
  const catalogue = useLoader(useCallback(() => (canRead ? api.getCapabilities() : nothing()), [canRead]));
  const agents = useAgentIndex();
  const members = useMembers();
  const editor = useRef<PolicyEditorHandle>(null);
  const [text, setText] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const [viewing, setViewing] = useState<PolicyVersion | null>(null);
  const forbidden = !canRead || (current.error instanceof ApiError && current.error.status === 403);

  // The editor starts from the set in force, once it is in.
  const inForce = current.data;
  useEffect(() => {
    if (inForce) setText((t) => t ?? inForce.text);
  }, [inForce]);
  const draft = text ?? inForce?.text ?? '';
  const dirty = inForce !== undefined && draft !== inForce.text;

  function edit(next: string) {
    setText(next);
    setSavedVersion(null);
  }

  function showProblems(err: ApiError) {
    setProblems(err.errors);
    const first = err.errors.find((e) => e.line !== undefined);
    if (first?.line !== undefined) editor.current?.goTo(first.line, first.column ?? 1);
  }

  async function save() {
    setSaving(true);
    setSaveError(null);
    setSavedVersion(null);
    try {
      const saved = await api.savePolicies(draft, note.trim() || undefined);
      setProblems([]);
      setNote('');
      setText(saved.text);
      setSavedVersion(saved.version);
      await Promise.all([current.reload(), versions.reload()]);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_policy') showProblems(err);
      else setSaveError(err);
    } finally {
      setSaving(false);
    }
  }

  let editorBody: ReactNode;
  if (!inForce) {
    editorBody = current.loading ? (
      <div className="center-block">
        <Spinner label="Loading policies" />
      </div>
    ) : (
      <ErrorBanner error={current.error} onRetry={current.reload} />
    );
  } else {
    editorBody = (
      <div className="stack-sm">
        <div className="policy-summary" data-testid="policy-summary">
          <span className="muted">In force:</span>
          {inForce.policies.map((p) => (
            <span key={p.id} className="chip" data-testid="policy-summary-item">
              <Badge tone={p.effect === 'permit' ? 'success' : 'danger'}>{p.effect}</Badge> {p.id}
            </span>
          ))}
          {dirty && (
            <span data-testid="policy-dirty">
              <Badge tone="warning">Unsaved changes</Badge>
            </span>
          )}
        </div>
        <PolicyEditor
          ref={editor}
          label="Cedar policy set"
          value={draft}
          onChange={edit}
          readOnly={!canEdit}
          problems={problems}
        />
        <PolicyProblems problems={problems} onGoTo={(line, column) => editor.current?.goTo(line, column)} />
        <ErrorBanner error={saveError} onDismiss={() => setSaveError(null)} />
        {savedVersion !== null && !dirty && (
          <p className="notice notice-success" data-testid="policy-saved">
            Saved as version {savedVersion}. It applies now, on every node.
          </p>
        )}
        {canEdit && (
          <div className="policy-actions">
            <TextField
              label="Note (optional)"
              value={note}
              onChange={(e) => setNote(e.target.value)}
              maxLength={500}
              placeholder="What changed and why"
              data-testid="policy-note"
            />
            <Button
              onClick={() => {
                edit(inForce.text);
                setProblems([]);
              }}
              disabled={!dirty || saving}
              data-testid="policy-reset"
            >
              Discard changes
            </Button>
            <Button
              variant="primary"
              onClick={save}
              loading={saving}
              disabled={!dirty || !draft.trim()}
              data-testid="policy-save"
            >
              Save new version
            </Button>
          </div>
        )}
      </div>
    );
  }

  if (forbidden) {
    return (
      <>
        <PageHeader title="Policies" />
        <Card>
          <EmptyState
            title="Only managers and admins can see policies"
            description="Ask an admin of this organization what the policies allow."
            data-testid="policies-forbidden"
          />
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Policies"
        badge={
          inForce && (
            <span data-testid="policy-version" data-version={inForce.version}>
              <Badge tone="primary">
                {inForce.version === 0 ? 'Built-in default' : `Version ${inForce.version}`}
              </Badge>
            </span>
          )
        }
        description={`The Cedar policies that decide, with the agents’ skills, what agents of ${org.name} may do. Schema: principal Agent, resource by type, context (ip, method, path, hour…).`}
      />
      <div className="stack">
        {!canEdit && (
          <p className="notice" data-testid="policies-read-only">
            You can read the policies and test requests. Admins save new versions.
          </p>
        )}
        <Card title="Policy set" data-testid="policies-card">
          {editorBody}
        </Card>
        <SimulateCard
          catalogue={catalogue.data}
          agents={agents}
          text={draft}
          inForce={!dirty}
          onInvalid={showProblems}
        />
        <Card
          title="Version history"
          description="Every saved version, newest first, so any decision can be explained later."
          flush
          data-testid="policy-versions-card"
        >
          <ErrorBanner error={versions.error} onRetry={versions.reload} />
          {versions.data?.items.length ? (
            <PolicyVersionsTable
              versions={versions.data.items}
              current={inForce?.version ?? 0}
              members={members}
              onView={setViewing}
            />
          ) : versions.data ? (
            <EmptyState
              title="No saved version yet"
              description="The built-in default is in force: it permits whatever the agents’ skills allow."
              data-testid="policy-versions-empty"
            />
          ) : null}
        </Card>
      </div>
      {viewing && (
        <PolicyVersionDialog
          version={viewing}
          onClose={() => setViewing(null)}
          onLoad={
            canEdit
              ? () => {
                  edit(viewing.text);
                  setProblems([]);
                  setViewing(null);
                }
              : undefined
          }
        />
      )}
    </>
  );
}
