import { useMemo, useState } from 'react';
import { ApiError, api } from '../api';
import type { AgentIndex } from '../delegations/useAgentIndex';
import { useFormSubmit } from '../lib/forms';
import { Button } from '../ui/Button';
import { Card } from '../ui/Card';
import { ErrorBanner } from '../ui/ErrorBanner';
import { Select } from '../ui/Select';
import { TextField } from '../ui/TextField';
import { DecisionView } from './DecisionView';
import type { Catalogue, Decision, SimulateInput } from './types';

type Field = 'agent_id' | 'action' | 'type' | 'id' | 'name' | 'ip' | 'method' | 'path';
const FIELDS: readonly Field[] = ['agent_id', 'action', 'type', 'id', 'name', 'ip', 'method', 'path'];

export interface SimulateCardProps {
  catalogue: Catalogue | undefined;
  agents: AgentIndex;
  /** The policy text being edited: the request is decided with it. */
  text: string;
  /** Whether `text` is the set in force (then it is decided as it stands). */
  inForce: boolean;
  /** The server found problems in the text: they show in the editor. */
  onInvalid: (error: ApiError) => void;
}

/** "Test a request": would this agent be allowed this action on this resource, with the text being edited? */
export function SimulateCard({ catalogue, agents, text, inForce, onInvalid }: SimulateCardProps) {
  const [agent, setAgent] = useState('');
  const [action, setAction] = useState('');
  const [type, setType] = useState('');
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [ip, setIp] = useState('');
  const [method, setMethod] = useState('');
  const [path, setPath] = useState('');
  const [result, setResult] = useState<{ decision: Decision; draft: boolean } | null>(null);
  const form = useFormSubmit<Field>(() => ({
    agent_id: agent ? undefined : 'Choose an agent.',
    action: action ? undefined : 'Choose an action.',
    id: id.trim() ? undefined : 'Enter the resource’s id.',
    method:
      !method.trim() || /^[A-Za-z]{1,16}$/.test(method.trim()) ? undefined : 'Use an HTTP method, like GET.',
  }));
  const resourceOf = useMemo(
    () => new Map(catalogue?.actions.map((a) => [a.name, a.resource]) ?? []),
    [catalogue],
  );

  function chooseAction(next: string) {
    setAction(next);
    // The action acts on one kind of resource: pick it, leaving it changeable to test a mismatch.
    const resource = resourceOf.get(next);
    if (resource) setType(resource);
  }

  const run = () =>
    form.submit(async () => {
      const draft = text.trim() !== '' && !inForce;
      const context: NonNullable<SimulateInput['context']> = {
        ...(ip.trim() ? { ip: ip.trim() } : {}),
        ...(method.trim() ? { method: method.trim().toUpperCase() } : {}),
        ...(path.trim() ? { path: path.trim() } : {}),
      };
      const input: SimulateInput = {
        agent_id: agent,
        action,
        resource: {
          type: type || (resourceOf.get(action) ?? ''),
          id: id.trim(),
          ...(name.trim() ? { name: name.trim() } : {}),
        },
        ...(Object.keys(context).length ? { context } : {}),
        ...(draft ? { policies: text } : {}),
      };
      setResult(null);
      try {
        setResult({ decision: await api.simulate(input), draft });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'invalid_policy') onInvalid(err);
        throw err;
      }
    });

  const invalidText = form.error instanceof ApiError && form.error.code === 'invalid_policy';
  const choose = (label: string) => ({ value: '', label });
  return (
    <Card
      title="Test a request"
      description="Decides a request with the policy text in the editor, saved or not, and the agent’s skills now. Nothing is done or recorded."
      data-testid="simulate-card"
    >
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        {invalidText ? (
          <p className="notice notice-warning" data-testid="simulate-invalid">
            The policy text has problems (listed under the editor): fix them to test a request.
          </p>
        ) : (
          <ErrorBanner error={form.error} fields={FIELDS} />
        )}
        <div className="simulate-grid">
          <Select
            label="Agent"
            options={[
              choose('Choose an agent…'),
              ...agents.agents.map((a) => ({ value: a.id, label: a.name })),
            ]}
            value={agent}
            onChange={(e) => setAgent(e.target.value)}
            error={form.fieldError('agent_id')}
            data-testid="simulate-agent"
          />
          <Select
            label="Action"
            options={[
              choose('Choose an action…'),
              ...(catalogue?.actions.map((a) => ({ value: a.name, label: a.name })) ?? []),
            ]}
            value={action}
            onChange={(e) => chooseAction(e.target.value)}
            error={form.fieldError('action')}
            data-testid="simulate-action"
          />
          <Select
            label="Resource type"
            options={[
              choose('The action’s'),
              ...(catalogue?.resource_types.map((t) => ({ value: t, label: t })) ?? []),
            ]}
            value={type}
            onChange={(e) => setType(e.target.value)}
            error={form.fieldError('type')}
            data-testid="simulate-resource-type"
          />
          <TextField
            label="Resource id"
            value={id}
            onChange={(e) => setId(e.target.value)}
            placeholder="int_…"
            error={form.fieldError('id')}
            data-testid="simulate-resource-id"
          />
          <TextField
            label="Resource name (optional)"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="github"
            error={form.fieldError('name')}
            data-testid="simulate-resource-name"
          />
          <TextField
            label="Client IP (optional)"
            value={ip}
            onChange={(e) => setIp(e.target.value)}
            placeholder="10.0.0.7"
            error={form.fieldError('ip')}
            data-testid="simulate-ip"
          />
          <TextField
            label="Method (optional)"
            value={method}
            onChange={(e) => setMethod(e.target.value)}
            placeholder="GET"
            error={form.fieldError('method')}
            data-testid="simulate-method"
          />
          <TextField
            label="Path (optional)"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/repos"
            error={form.fieldError('path')}
            data-testid="simulate-path"
          />
        </div>
        <div className="form-actions">
          <Button type="submit" variant="primary" loading={form.busy} data-testid="simulate-run">
            Test request
          </Button>
        </div>
      </form>
      {result && <DecisionView decision={result.decision} draft={result.draft} />}
    </Card>
  );
}
