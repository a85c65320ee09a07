import { GatehouseError, type Problem } from './errors.js';
import type {
  Agent,
  AgentFilters,
  AgentVersion,
  CreateAgentInput,
  CreatedInvitation,
  Invitation,
  Member,
  Page,
  Role,
  Session,
  SignedIn,
  UpdateAgentInput,
} from './types.js';

export interface ClientOptions {
  /** Base URL of Gatehouse, e.g. `http://localhost:8080`. */
  baseUrl: string;
  /** A session token; `login` sets it. */
  token?: string;
  fetch?: typeof fetch;
}

/** A typed client for the Gatehouse HTTP API. Errors surface as GatehouseError with the problem's code. */
export class GatehouseClient {
  #token: string | undefined;
  readonly #base: string;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.#fetch(`${this.#base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status === 204) return undefined as T;
    const data: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const problem = (data as Problem | undefined) ?? {
        type: 'about:blank',
        title: res.statusText,
        status: res.status,
        code: 'http_error',
      };
      const retry = res.headers.get('retry-after');
      throw new GatehouseError(problem, retry ? Number(retry) : undefined);
    }
    return data as T;
  }

  async login(email: string, password: string): Promise<SignedIn> {
    const signedIn = await this.request<SignedIn>('POST', '/v1/auth/login', { email, password });
    this.#token = signedIn.token;
    return signedIn;
  }

  async logout(): Promise<void> {
    await this.request('POST', '/v1/auth/logout');
    this.#token = undefined;
  }

  /** Changes the signed-in user's password; their other sessions end. */
  changePassword = (currentPassword: string, newPassword: string) =>
    this.request<void>('POST', '/v1/auth/password', {
      current_password: currentPassword,
      new_password: newPassword,
    });

  session = () => this.request<Session>('GET', '/v1/auth/session');
  switchOrg = (orgId: string) => this.request<Session>('PUT', '/v1/auth/session/org', { org_id: orgId });

  users = {
    list: (q: { limit?: number; cursor?: string; role?: Role } = {}) =>
      this.request<Page<Member>>('GET', `/v1/users${query(q)}`),
    get: (id: string) => this.request<Member>('GET', `/v1/users/${encodeURIComponent(id)}`),
    setRole: (id: string, role: Role) =>
      this.request<Member>('PATCH', `/v1/users/${encodeURIComponent(id)}`, { role }),
    remove: (id: string) => this.request<void>('DELETE', `/v1/users/${encodeURIComponent(id)}`),
  };

  invitations = {
    create: (email: string, role: Role) =>
      this.request<CreatedInvitation>('POST', '/v1/invitations', { email, role }),
    list: (q: { limit?: number; cursor?: string } = {}) =>
      this.request<Page<Invitation>>('GET', `/v1/invitations${query(q)}`),
    revoke: (id: string) => this.request<void>('DELETE', `/v1/invitations/${encodeURIComponent(id)}`),
  };

  agents = {
    create: (input: CreateAgentInput) => this.request<Agent>('POST', '/v1/agents', input),
    list: (q: AgentFilters & { limit?: number; cursor?: string } = {}) =>
      this.request<Page<Agent>>('GET', `/v1/agents${query(q)}`),
    get: (id: string) => this.request<Agent>('GET', `/v1/agents/${encodeURIComponent(id)}`),
    /** Settings, suspend/reactivate, or a new definition version, in one call. */
    update: (id: string, input: UpdateAgentInput) =>
      this.request<Agent>('PATCH', `/v1/agents/${encodeURIComponent(id)}`, input),
    /** Final: an archived agent cannot be changed again (admin only). */
    archive: (id: string) => this.request<void>('DELETE', `/v1/agents/${encodeURIComponent(id)}`),
    /** Definition versions, newest first. */
    versions: (id: string, q: { limit?: number; cursor?: string } = {}) =>
      this.request<Page<AgentVersion>>('GET', `/v1/agents/${encodeURIComponent(id)}/versions${query(q)}`),
    version: (id: string, version: number) =>
      this.request<AgentVersion>('GET', `/v1/agents/${encodeURIComponent(id)}/versions/${version}`),
  };
}

function query(q: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}
