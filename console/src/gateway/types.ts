// A gateway call as the audit log records it (action `gateway.called`, written by the gateway route).
import type { AuditEvent } from '../audit/types';

export const GATEWAY_ACTION = 'gateway.called';

/** What the gateway puts in a record's details. */
export interface GatewayCallDetails {
  integration: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  bytes_in: number;
  bytes_out: number;
  signed: boolean;
}

export interface GatewayCall {
  event: AuditEvent;
  details: GatewayCallDetails;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** A record's details as a call, read defensively: an older record may lack a field. */
export function callOf(event: AuditEvent): GatewayCall {
  const d = event.details;
  return {
    event,
    details: {
      integration: text(d.integration),
      method: text(d.method),
      path: text(d.path),
      status: num(d.status),
      duration_ms: num(d.duration_ms),
      bytes_in: num(d.bytes_in),
      bytes_out: num(d.bytes_out),
      signed: d.signed === true,
    },
  };
}
