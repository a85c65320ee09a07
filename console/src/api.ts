// Typed client for the Gatehouse HTTP API. All calls are same-origin and authenticated by the
// HttpOnly `gh_session` cookie, so no token is ever handled by this code.

import type {
  Agent,
  AgentFilters,
  AgentVersion,
  CreateAgentInput,
  CreatedInvitation,
  Invitation,
  InvitationPreview,
  Member,
  Org,
  Page,
  Role,
  Session,
  SessionInfo,
  UpdateAgentInput,
} from '@gatehouse/sdk';
import type { Activity, Denials, Interval, Range, TokensOverTime } from './analytics/types';
import type { AuditEvent, AuditFilters, Checkpoint, VerifyReport } from './audit/types';
import type {
  AgentAttributes,
  Catalogue,
  CurrentPolicies,
  Decision,
  GrantSkillInput,
  Holder,
  PolicyVersion,
  SimulateInput,
  Skill,
} from './authz/types';
import type { ComplianceReport } from './compliance/types';
import type { CreateCredentialInput, Credential, IssuedCredential } from './credentials/types';
import type { CreateDelegationInput, Delegation, DelegationStatus } from './delegations/types';
import type {
  Egress,
  EgressInput,
  Integration,
  IntegrationGrant,
  IntegrationInput,
  IntegrationPatch,
} from './integrations/types';
import type { KeyAlgorithm, SigningKey } from './keys/types';
import type {
  AccessToken,
  CreateAccessTokenInput,
  CreatedAccessToken,
  RegistrationSettings,
  RegistrationSettingsInput,
} from './registration/types';
import type { CreateRoomInput, HistoryPage, Room, RoomMember } from './rooms/types';

export type {
  Agent,
  AgentDefinition,
  AgentFilters,
  AgentStatus,
  AgentVersion,
  CreateAgentInput,
  CreatedInvitation,
  Invitation,
  InvitationPreview,
  Member,
  Org,
  OrgRef,
  Page,
  Role,
  Session,
  SessionInfo,
  UpdateAgentInput,
} from '@gatehouse/sdk';

export interface FieldError {
  field: string;
  message: string;
  /** Where in a submitted text the problem is (1-based), for errors about code such as a policy set. */
  line?: number;
  column?: number;
}

/** An RFC 9457 problem returned by the API (or synthesized for network failures). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[];
  readonly requestId: string | undefined;
  /** Seconds from the Retry-After header of a 429, when present. */
  readonly retryAfter: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    title: string;
    detail?: string | undefined;
    errors?: FieldError[];
    requestId?: string | undefined;
    retryAfter?: number | undefined;
  }) {
    super(init.detail ?? init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors ?? [];
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
  }

  /** Message for the problem as a whole: `detail ?? title`. */
  get displayMessage(): string {
    return this.detail ?? this.title;
  }

  /**
   * The message for one input, matching `email`, `body.email` or `/email` style field names. An error on an
   * item of a list (`body.allowed_scopes.2`) belongs to the list's input.
   */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => fieldName(e.field) === field)?.message;
  }

  /** True when every field error belongs to one of `fields`, i.e. a form can show them all inline. */
  onlyFields(fields: readonly string[]): boolean {
    return this.errors.length > 0 && this.errors.every((e) => fields.includes(fieldName(e.field)));
  }

  static network(): ApiError {
    return new ApiError({
      status: 0,
      code: 'network_error',
      title: 'Cannot reach Gatehouse',
      detail: 'The server did not respond. Check your connection and try again.',
    });
  }
}

const fieldName = (path: string): string =>
  path
    .split(/[./]/)
    .filter((part) => !/^\d+$/.test(part))
    .at(-1) ?? path;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function parseFieldErrors(v: unknown): FieldError[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((e: unknown) => {
    if (typeof e !== 'object' || e === null) return [];
    const field = str((e as Record<string, unknown>).field);
    const message = str((e as Record<string, unknown>).message);
    if (!field || !message) return [];
    const { line, column } = e as Record<string, unknown>;
    return [
      {
        field,
        message,
        ...(typeof line === 'number' ? { line } : {}),
        ...(typeof column === 'number' ? { column } : {}),
      },
    ];
  });
}

async function problemFromResponse(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await res.json();
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (proxy error page, empty body): fall back to the status line.
  }
  const retry = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
  const retryAfter = Number.isFinite(retry) ? retry : undefined;
  let detail = str(body.detail);
  if (res.status === 429 && !detail && retryAfter !== undefined) {
    detail = `Too many attempts, try again in ${retryAfter} seconds.`;
  }
  return new ApiError({
    status: res.status,
    code: str(body.code) ?? `http_${res.status}`,
    title: str(body.title) ?? (res.statusText || `Request failed (${res.status})`),
    detail,
    errors: parseFieldErrors(body.errors),
    requestId: str(body.request_id) ?? res.headers.get('x-request-id') ?? undefined,
    retryAfter,
  });
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler | null = null;

/** Registers what happens when an authenticated call comes back 401 (the session expired or was revoked). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  onUnauthorized = handler;
}

interface RequestOptions {
  /** Set for calls where 401 is an expected answer (login, session probe), not an expired session. */
  anonymous?: boolean;
  /** Set for calls that check a password: a 401 `invalid_credentials` then means the password was wrong. */
  checksPassword?: boolean;
}

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: RequestOptions = {},
): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw ApiError.network();
  }
  if (!res.ok) {
    const error = await problemFromResponse(res);
    const wrongPassword = opts.checksPassword && error.code === 'invalid_credentials';
    if (res.status === 401 && !opts.anonymous && !wrongPassword) onUnauthorized?.();
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const qs = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') qs.set(key, String(value));
  }
  const text = qs.toString();
  return text ? `?${text}` : '';
}

const enc = encodeURIComponent;

export const api = {
  login: (email: string, password: string) =>
    request<Session>('POST', '/v1/auth/login', { email, password }, { anonymous: true }),
  logout: () => request<void>('POST', '/v1/auth/logout', undefined, { anonymous: true }),
  getSession: () => request<Session>('GET', '/v1/auth/session', undefined, { anonymous: true }),
  switchOrg: (orgId: string) => request<Session>('PUT', '/v1/auth/session/org', { org_id: orgId }),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>(
      'POST',
      '/v1/auth/password',
      { current_password: currentPassword, new_password: newPassword },
      { checksPassword: true },
    ),
  listSessions: () => request<{ items: SessionInfo[] }>('GET', '/v1/auth/sessions'),
  revokeSession: (id: string) => request<void>('DELETE', `/v1/auth/sessions/${enc(id)}`),

  createOrg: (name: string) => request<Org>('POST', '/v1/orgs', { name }),

  listUsers: (cursor?: string | null, limit = 50) =>
    request<Page<Member>>('GET', `/v1/users${query({ limit, cursor })}`),
  changeRole: (userId: string, role: Role) => request<Member>('PATCH', `/v1/users/${enc(userId)}`, { role }),
  removeUser: (userId: string) => request<void>('DELETE', `/v1/users/${enc(userId)}`),

  listInvitations: (cursor?: string | null, limit = 50) =>
    request<Page<Invitation>>('GET', `/v1/invitations${query({ limit, cursor })}`),
  createInvitation: (email: string, role: Role) =>
    request<CreatedInvitation>('POST', '/v1/invitations', { email, role }),
  revokeInvitation: (id: string) => request<void>('DELETE', `/v1/invitations/${enc(id)}`),
  inspectInvitation: (token: string) =>
    request<InvitationPreview>('POST', '/v1/invitations/inspect', { token }, { anonymous: true }),
  acceptInvitation: (token: string, password: string, name?: string) =>
    request<Session>('POST', '/v1/invitations/accept', { token, password, name }, { anonymous: true }),

  listAgents: (filters: AgentFilters, cursor?: string | null, limit = 50) =>
    request<Page<Agent>>('GET', `/v1/agents${query({ ...filters, limit, cursor })}`),
  createAgent: (input: CreateAgentInput) => request<Agent>('POST', '/v1/agents', input),
  getAgent: (id: string) => request<Agent>('GET', `/v1/agents/${enc(id)}`),
  updateAgent: (id: string, input: UpdateAgentInput) =>
    request<Agent>('PATCH', `/v1/agents/${enc(id)}`, input),
  archiveAgent: (id: string) => request<void>('DELETE', `/v1/agents/${enc(id)}`),
  listAgentVersions: (id: string, cursor?: string | null, limit = 20) =>
    request<Page<AgentVersion>>('GET', `/v1/agents/${enc(id)}/versions${query({ limit, cursor })}`),
  getAgentVersion: (id: string, version: number) =>
    request<AgentVersion>('GET', `/v1/agents/${enc(id)}/versions/${version}`),

  listCredentials: (agentId: string, cursor?: string | null, limit = 50) =>
    request<Page<Credential>>('GET', `/v1/agents/${enc(agentId)}/credentials${query({ limit, cursor })}`),
  createCredential: (agentId: string, input: CreateCredentialInput) =>
    request<IssuedCredential>('POST', `/v1/agents/${enc(agentId)}/credentials`, input),
  rotateCredential: (agentId: string, id: string, graceSeconds: number) =>
    request<IssuedCredential>('POST', `/v1/agents/${enc(agentId)}/credentials/${enc(id)}/rotate`, {
      grace_seconds: graceSeconds,
    }),
  revokeCredential: (agentId: string, id: string) =>
    request<void>('DELETE', `/v1/agents/${enc(agentId)}/credentials/${enc(id)}`),

  listSigningKeys: () => request<{ items: SigningKey[] }>('GET', '/v1/admin/keys'),
  rotateSigningKey: (alg?: KeyAlgorithm) =>
    request<SigningKey>('POST', '/v1/admin/keys/rotate', alg ? { alg } : {}),

  listDelegations: (filters: { status?: DelegationStatus | '' }, cursor?: string | null, limit = 50) =>
    request<Page<Delegation>>('GET', `/v1/delegations${query({ ...filters, limit, cursor })}`),
  createDelegation: (input: CreateDelegationInput) => request<Delegation>('POST', '/v1/delegations', input),
  revokeDelegation: (id: string) => request<void>('DELETE', `/v1/delegations/${enc(id)}`),

  getRegistrationSettings: () => request<RegistrationSettings>('GET', '/v1/registration'),
  updateRegistrationSettings: (input: RegistrationSettingsInput) =>
    request<RegistrationSettings>('PUT', '/v1/registration', input),
  listRegistrationTokens: (cursor?: string | null, limit = 50) =>
    request<Page<AccessToken>>('GET', `/v1/registration/tokens${query({ limit, cursor })}`),
  createRegistrationToken: (input: CreateAccessTokenInput) =>
    request<CreatedAccessToken>('POST', '/v1/registration/tokens', input),
  revokeRegistrationToken: (id: string) => request<void>('DELETE', `/v1/registration/tokens/${enc(id)}`),

  listAudit: (filters: Partial<AuditFilters>, cursor?: string | null, limit = 50) =>
    request<Page<AuditEvent>>('GET', `/v1/audit${query({ ...filters, limit, cursor })}`),
  verifyAudit: () => request<VerifyReport>('GET', '/v1/audit/verify'),
  listCheckpoints: (cursor?: string | null, limit = 50) =>
    request<Page<Checkpoint>>('GET', `/v1/audit/checkpoints${query({ limit, cursor })}`),
  createCheckpoint: () => request<Checkpoint>('POST', '/v1/audit/checkpoints'),

  complianceReport: (fresh = false) =>
    request<ComplianceReport>('GET', `/v1/compliance/report${query({ fresh: fresh ? 1 : null })}`),

  tokenAnalytics: (range: Range, interval: Interval, agent?: string) =>
    request<TokensOverTime>('GET', `/v1/analytics/tokens${query({ ...range, interval, agent })}`),
  activityAnalytics: (range: Range) =>
    request<Activity>('GET', `/v1/analytics/activity${query({ ...range })}`),
  denialAnalytics: (range: Range) => request<Denials>('GET', `/v1/analytics/denials${query({ ...range })}`),

  getCapabilities: () => request<Catalogue>('GET', '/v1/capabilities'),
  listCapabilityHolders: (capability: string) =>
    request<{ items: Holder[] }>('GET', `/v1/capabilities/${enc(capability)}/agents`),
  bestAgent: (capability: string) => request<Holder>('GET', `/v1/capabilities/${enc(capability)}/best-agent`),
  listSkills: (agentId: string) => request<{ items: Skill[] }>('GET', `/v1/agents/${enc(agentId)}/skills`),
  grantSkill: (agentId: string, input: GrantSkillInput) =>
    request<Skill>('POST', `/v1/agents/${enc(agentId)}/skills`, input),
  revokeSkill: (agentId: string, capability: string) =>
    request<void>('DELETE', `/v1/agents/${enc(agentId)}/skills/${enc(capability)}`),
  getAttributes: (agentId: string) =>
    request<AgentAttributes>('GET', `/v1/agents/${enc(agentId)}/attributes`),
  setAttributes: (agentId: string, input: AgentAttributes) =>
    request<AgentAttributes>('PUT', `/v1/agents/${enc(agentId)}/attributes`, input),

  getPolicies: () => request<CurrentPolicies>('GET', '/v1/authz/policies'),
  savePolicies: (text: string, note?: string) =>
    request<PolicyVersion>('PUT', '/v1/authz/policies', note ? { text, note } : { text }),
  listPolicyVersions: () => request<{ items: PolicyVersion[] }>('GET', '/v1/authz/policies/versions'),
  getPolicySchema: () => request<{ schema: string }>('GET', '/v1/authz/schema'),
  simulate: (input: SimulateInput) => request<Decision>('POST', '/v1/authz/simulate', input),

  listIntegrations: (cursor?: string | null, limit = 50) =>
    request<Page<Integration>>('GET', `/v1/integrations${query({ limit, cursor })}`),
  getIntegration: (id: string) => request<Integration>('GET', `/v1/integrations/${enc(id)}`),
  createIntegration: (input: IntegrationInput) => request<Integration>('POST', '/v1/integrations', input),
  updateIntegration: (id: string, input: IntegrationPatch) =>
    request<Integration>('PATCH', `/v1/integrations/${enc(id)}`, input),
  deleteIntegration: (id: string) => request<void>('DELETE', `/v1/integrations/${enc(id)}`),
  listIntegrationGrants: (id: string, cursor?: string | null, limit = 100) =>
    request<Page<IntegrationGrant>>('GET', `/v1/integrations/${enc(id)}/grants${query({ limit, cursor })}`),
  grantIntegration: (id: string, agentId: string) =>
    request<IntegrationGrant>('PUT', `/v1/integrations/${enc(id)}/grants/${enc(agentId)}`),
  revokeIntegrationGrant: (id: string, agentId: string) =>
    request<void>('DELETE', `/v1/integrations/${enc(id)}/grants/${enc(agentId)}`),
  getEgress: () => request<Egress>('GET', '/v1/egress'),
  putEgress: (input: EgressInput) => request<Egress>('PUT', '/v1/egress', input),

  listRooms: (mine: boolean, cursor?: string | null, limit = 50) =>
    request<Page<Room>>('GET', `/v1/rooms${query({ mine: mine ? 'true' : null, limit, cursor })}`),
  createRoom: (input: CreateRoomInput) => request<Room>('POST', '/v1/rooms', input),
  getRoom: (id: string) => request<Room>('GET', `/v1/rooms/${enc(id)}`),
  joinRoom: (id: string) => request<unknown>('POST', `/v1/rooms/${enc(id)}/join`),
  listRoomMembers: (id: string) => request<{ items: RoomMember[] }>('GET', `/v1/rooms/${enc(id)}/members`),
  listRoomMessages: (id: string, page: { before_seq?: number; limit?: number } = {}) =>
    request<HistoryPage>('GET', `/v1/rooms/${enc(id)}/messages${query(page)}`),
};

/** Where the browser itself fetches the compliance report as a file: same-origin, so the cookie goes along. */
export const complianceReportUrl = (format: 'json' | 'html') => `/v1/compliance/report?format=${format}`;
