import { useState } from 'react';
import { api } from '../api';
import { isScopeToken } from '../lib/agents';
import { expiryError, expiryIso } from '../lib/expiry';
import { useFormSubmit } from '../lib/forms';
import { type Members, memberLabel } from '../lib/useMembers';
import { ExpiryField } from '../ui/ExpiryField';
import { FormDialog } from '../ui/FormDialog';
import { Select } from '../ui/Select';
import { TextField } from '../ui/TextField';
import { TokensInput } from '../ui/TokensInput';
import { DEPTH } from './labels';
import type { Delegation } from './types';
import type { AgentIndex } from './useAgentIndex';

// The API names the subject's members `subject.type` and `subject.id`; field errors keep the last part.
type Field = 'actor_agent_id' | 'type' | 'id' | 'scopes' | 'max_depth' | 'expires_at';
const FIELDS: readonly Field[] = ['actor_agent_id', 'type', 'id', 'scopes', 'max_depth', 'expires_at'];
type SubjectType = Delegation['subject']['type'];
const SUBJECT_TYPES = [
  { value: 'user', label: 'A user' },
  { value: 'agent', label: 'Another agent' },
];

export interface CreateDelegationDialogProps {
  agents: AgentIndex;
  members: Members;
  onClose: () => void;
  onCreated: (grant: Delegation) => void;
}

export function CreateDelegationDialog({ agents, members, onClose, onCreated }: CreateDelegationDialogProps) {
  const [actor, setActor] = useState('');
  const [subjectType, setSubjectType] = useState<SubjectType>('user');
  const [subject, setSubject] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [depth, setDepth] = useState(String(DEPTH.default));
  const [expires, setExpires] = useState('');
  const form = useFormSubmit<Field>(() => {
    const d = Number(depth);
    const badScope = scopes.find((s) => !isScopeToken(s));
    return {
      actor_agent_id: actor ? undefined : 'Choose the agent that will act.',
      id: subject ? undefined : `Choose the ${subjectType} it acts for.`,
      scopes: badScope === undefined ? undefined : `“${badScope}” is not a valid scope.`,
      max_depth:
        Number.isInteger(d) && d >= DEPTH.min && d <= DEPTH.max
          ? undefined
          : `Enter a whole number from ${DEPTH.min} to ${DEPTH.max}.`,
      expires_at: expiryError(expires),
    };
  });

  const agentLabel = (a: AgentIndex['agents'][number]) =>
    a.status === 'suspended' ? `${a.name} (suspended)` : a.name;
  const choose = (label: string) => ({ value: '', label });
  const actorOptions = [
    choose('Choose an agent…'),
    ...agents.agents.map((a) => ({ value: a.id, label: agentLabel(a) })),
  ];
  const subjectOptions =
    subjectType === 'agent'
      ? [
          choose('Choose an agent…'),
          ...agents.agents.filter((a) => a.id !== actor).map((a) => ({ value: a.id, label: agentLabel(a) })),
        ]
      : [
          choose('Choose a user…'),
          ...[...members.members]
            .sort((a, b) => memberLabel(a).localeCompare(memberLabel(b)))
            .map((m) => ({ value: m.id, label: m.name ? `${m.name} (${m.email})` : m.email })),
        ];

  function changeActor(id: string) {
    setActor(id);
    // An agent does not act for itself.
    if (subjectType === 'agent' && subject === id) setSubject('');
  }

  const create = () =>
    form.submit(async () => {
      onCreated(
        await api.createDelegation({
          actor_agent_id: actor,
          subject: { type: subjectType, id: subject },
          scopes: scopes.length ? scopes : null,
          max_depth: Number(depth),
          expires_at: expiryIso(expires) ?? null,
        }),
      );
    });

  return (
    <FormDialog
      title="New delegation grant"
      description="Lets an agent get tokens on behalf of a user or another agent (token exchange, RFC 8693)."
      submitLabel="Create grant"
      onSubmit={create}
      onClose={onClose}
      busy={form.busy}
      error={form.error}
      fields={FIELDS}
      data-testid="delegation-dialog"
      submitTestId="delegation-create-submit"
    >
      <Select
        label="Actor agent"
        name="actor_agent_id"
        options={actorOptions}
        value={actor}
        onChange={(e) => changeActor(e.target.value)}
        hint="The agent that presents the subject's token and authenticates as itself."
        error={form.fieldError('actor_agent_id')}
        data-testid="delegation-actor-select"
      />
      <Select
        label="Acts for"
        name="subject_type"
        options={SUBJECT_TYPES}
        value={subjectType}
        onChange={(e) => {
          setSubjectType(e.target.value === 'agent' ? 'agent' : 'user');
          setSubject('');
        }}
        error={form.fieldError('type')}
        data-testid="delegation-subject-type"
      />
      <Select
        label={subjectType === 'agent' ? 'Subject agent' : 'Subject user'}
        name="subject_id"
        options={subjectOptions}
        value={subject}
        onChange={(e) => setSubject(e.target.value)}
        error={form.fieldError('id')}
        data-testid="delegation-subject-select"
      />
      <TokensInput
        label="Scopes (optional)"
        value={scopes}
        onChange={setScopes}
        isValid={isScopeToken}
        placeholder="mail:send calendar:read"
        hint="The most a delegated token may carry. Leave empty to allow any scope the subject has; a token still gets only what the subject has and the actor may have."
        error={form.fieldError('scopes')}
        data-testid="delegation-scopes-input"
      />
      <TextField
        label="Maximum chain depth"
        name="max_depth"
        type="number"
        min={DEPTH.min}
        max={DEPTH.max}
        value={depth}
        onChange={(e) => setDepth(e.target.value)}
        hint="How many actors a chain of delegated tokens may hold (nested act claims). 1: this actor acts for the subject directly and cannot pass it on."
        error={form.fieldError('max_depth')}
        data-testid="delegation-depth-input"
      />
      <ExpiryField
        value={expires}
        onChange={setExpires}
        hint="Leave empty for a grant that lasts until it is revoked."
        error={form.fieldError('expires_at')}
        data-testid="delegation-expires-input"
      />
    </FormDialog>
  );
}
