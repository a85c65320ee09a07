// Agent rules as the server checks them (server/src/modules/agents/schema.ts), so forms can say what is
// wrong before sending, and the helpers that turn form text into request bodies.
import type { Agent, AgentDefinition, AgentStatus } from '../api';
import type { FieldErrors } from './forms';

export const AGENT_STATUSES: readonly AgentStatus[] = ['active', 'suspended', 'archived'];

export const STATUS_LABELS: Record<AgentStatus, string> = {
  active: 'Active',
  suspended: 'Suspended',
  archived: 'Archived',
};

export function isAgentStatus(value: string): value is AgentStatus {
  return (AGENT_STATUSES as readonly string[]).includes(value);
}

export const TOKEN_TTL = { min: 60, max: 86_400, default: 900 } as const;
const METADATA_MAX_BYTES = 16 * 1024;

/** DNS-label shaped: lowercase letters, digits and inner dashes, 1 to 63 characters. */
const AGENT_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** What the list's name filter accepts. */
export const NAME_PREFIX = /^[a-z0-9-]{1,63}$/;
/** RFC 6749 §3.3: printable ASCII except space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
const TOOL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;

export const isScopeToken = (scope: string) => SCOPE_TOKEN.test(scope);
export const isToolName = (tool: string) => TOOL_NAME.test(tool);

export function agentNameError(name: string): string | undefined {
  if (!name) return 'Enter a name.';
  if (name.length > 63) return 'Use at most 63 characters.';
  if (/[A-Z]/.test(name)) return 'Use lowercase letters only.';
  if (!AGENT_NAME.test(name))
    return 'Use lowercase letters, digits and dashes, starting and ending with a letter or digit.';
  return undefined;
}

const firstInvalid = (items: readonly string[], valid: (item: string) => boolean) =>
  items.find((item) => !valid(item));

/** "900 seconds" → "15 minutes"; odd values keep their seconds. */
export function formatTtl(seconds: number): string {
  const parts: string[] = [];
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) parts.push(`${h} hour${h === 1 ? '' : 's'}`);
  if (m) parts.push(`${m} minute${m === 1 ? '' : 's'}`);
  if (s || !parts.length) parts.push(`${s} second${s === 1 ? '' : 's'}`);
  return parts.join(' ');
}

// ---------- Settings (create and edit) ----------

export interface SettingsValues {
  display_name: string;
  description: string;
  allowed_scopes: string[];
  /** As typed. */
  token_ttl_seconds: string;
}

export type SettingsField = keyof SettingsValues;

export const settingsValuesOf = (agent: Agent | null): SettingsValues => ({
  display_name: agent?.display_name ?? '',
  description: agent?.description ?? '',
  allowed_scopes: agent?.allowed_scopes ?? [],
  token_ttl_seconds: String(agent?.token_ttl_seconds ?? TOKEN_TTL.default),
});

export function settingsErrors(v: SettingsValues): FieldErrors<SettingsField> {
  const errors: FieldErrors<SettingsField> = {};
  if (v.display_name.trim().length > 200) errors.display_name = 'Use at most 200 characters.';
  if (v.description.length > 2000) errors.description = 'Use at most 2000 characters.';
  const scope = firstInvalid(v.allowed_scopes, isScopeToken);
  if (scope !== undefined) errors.allowed_scopes = `“${scope}” is not a valid scope.`;
  else if (v.allowed_scopes.length > 100) errors.allowed_scopes = 'Use at most 100 scopes.';
  const ttl = Number(v.token_ttl_seconds);
  if (!/^\d+$/.test(v.token_ttl_seconds.trim()) || ttl < TOKEN_TTL.min || ttl > TOKEN_TTL.max) {
    errors.token_ttl_seconds = `Enter whole seconds from ${TOKEN_TTL.min} to ${TOKEN_TTL.max}.`;
  }
  return errors;
}

/** The request fields for settings; an empty display name is left out (the server keeps or defaults it). */
export function settingsBody(v: SettingsValues) {
  const displayName = v.display_name.trim();
  return {
    ...(displayName ? { display_name: displayName } : {}),
    description: v.description.trim(),
    allowed_scopes: v.allowed_scopes,
    token_ttl_seconds: Number(v.token_ttl_seconds),
  };
}

// ---------- Metadata ----------

/** Metadata typed as JSON: an object, at most 16 KiB. */
export function parseMetadata(text: string): { value: Record<string, unknown> } | { error: string } {
  if (!text.trim()) return { value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `Not valid JSON: ${err instanceof Error ? err.message : 'cannot be parsed'}.` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'Metadata must be a JSON object, like {"team": "support"}.' };
  }
  if (new TextEncoder().encode(JSON.stringify(value)).length > METADATA_MAX_BYTES) {
    return { error: 'Metadata must be at most 16 KiB as JSON.' };
  }
  return { value: value as Record<string, unknown> };
}

export const formatJson = (value: unknown) => JSON.stringify(value, null, 2);

// ---------- Definition ----------

export type DefinitionValues = AgentDefinition;
export type DefinitionField = keyof DefinitionValues;

export const definitionValuesOf = (d: AgentDefinition | null): DefinitionValues => ({
  instructions: d?.instructions ?? '',
  model: d?.model ?? '',
  tools: d?.tools ?? [],
});

export const isBlankDefinition = (v: DefinitionValues) =>
  !v.instructions.trim() && !v.model.trim() && v.tools.length === 0;

/** What would be sent; equal bodies make no new version. */
export const definitionBody = (v: DefinitionValues): AgentDefinition => ({
  instructions: v.instructions,
  model: v.model.trim(),
  tools: v.tools,
});

export const sameDefinition = (a: AgentDefinition, b: AgentDefinition) =>
  a.instructions === b.instructions &&
  a.model === b.model &&
  a.tools.length === b.tools.length &&
  a.tools.every((t, i) => t === b.tools[i]);

export function definitionErrors(v: DefinitionValues): FieldErrors<DefinitionField> {
  const errors: FieldErrors<DefinitionField> = {};
  if (!v.model.trim()) errors.model = 'Enter the model the agent runs on.';
  else if (v.model.trim().length > 200) errors.model = 'Use at most 200 characters.';
  if (v.instructions.length > 65_536) errors.instructions = 'Use at most 65,536 characters.';
  const tool = firstInvalid(v.tools, isToolName);
  if (tool !== undefined) errors.tools = `“${tool}” is not a valid tool name.`;
  else if (v.tools.length > 128) errors.tools = 'Use at most 128 tools.';
  return errors;
}
