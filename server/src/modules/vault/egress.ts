import { isIP } from 'node:net';

/**
 * Where an org's integrations may send requests (the gateway's upstream calls and the vault's
 * OAuth token requests). Pure functions: the vault checks base URLs and token URLs when they are
 * saved, and the gateway calls `checkEgress` again at request time with the address DNS gave,
 * so a name that later resolves to a private address (DNS rebinding) is still refused.
 */
export interface EgressPolicy {
  /** Exact hosts (`api.example.com`, `203.0.113.7`) or wildcards (`*.example.com`). Empty: any public host over https. */
  hosts: readonly string[];
  /** Private or loopback addresses allowed anyway: exact IPs or CIDRs. */
  allow_private: readonly string[];
}

export const OPEN_POLICY: EgressPolicy = Object.freeze({ hosts: [], allow_private: [] });

export type EgressDecision = { allowed: true } | { allowed: false; reason: string };

interface Ip {
  v: 4 | 6;
  bytes: Uint8Array;
}

function parseV4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function parseV6(text: string): Uint8Array {
  let s = text.split('%')[0] as string;
  const out = new Uint8Array(16);
  // A trailing dotted quad (::ffff:1.2.3.4) is the last 32 bits.
  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = parseV4(s.slice(lastColon + 1));
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = s.split('::') as [string, string | undefined];
  const groups = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

/**
 * An IP address as bytes, or null when `text` is not one. IPv4-mapped and IPv4-compatible
 * IPv6 addresses become the IPv4 address they carry, so `::ffff:127.0.0.1` is loopback.
 */
export function parseIp(text: string): Ip | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const kind = isIP(bare);
  if (kind === 4) return { v: 4, bytes: parseV4(bare) };
  if (kind !== 6) return null;
  const bytes = parseV6(bare);
  const zeros80 = bytes.subarray(0, 10).every((b) => b === 0);
  const mapped = zeros80 && bytes[10] === 0xff && bytes[11] === 0xff;
  // ::a.b.c.d (deprecated "compatible" form), but not :: and ::1 themselves.
  const compatible = zeros80 && bytes[10] === 0 && bytes[11] === 0 && (bytes[12] ?? 0) !== 0;
  if (mapped || compatible) return { v: 4, bytes: bytes.slice(12) };
  return { v: 6, bytes };
}

function inPrefix(ip: Ip, net: Ip, bits: number): boolean {
  if (ip.v !== net.v) return false;
  for (let i = 0; i < ip.bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((ip.bytes[i] as number) & mask) !== ((net.bytes[i] as number) & mask)) return false;
  }
  return true;
}

/** A CIDR (`10.0.0.0/8`, `fc00::/7`) or a single address as its /32 or /128. Null when invalid. */
export function parseCidr(text: string): { net: Ip; bits: number } | null {
  const [addr = '', len, extra] = text.split('/');
  if (extra !== undefined) return null;
  const net = parseIp(addr);
  if (!net) return null;
  const max = net.v === 4 ? 32 : 128;
  if (len === undefined) return { net, bits: max };
  // A mapped IPv6 CIDR (::ffff:10.0.0.0/104) is not worth the arithmetic: ask for the IPv4 form.
  if (!/^\d{1,3}$/.test(len) || (isIP(addr) === 6 && net.v === 4)) return null;
  const bits = Number(len);
  return bits <= max ? { net, bits } : null;
}

// Addresses no integration should reach unless the org says so: loopback, private networks,
// link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, "this network", benchmarking,
// multicast and reserved ranges, and their IPv6 counterparts.
const PRIVATE = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
].map((c) => parseCidr(c) as { net: Ip; bits: number });

const isPrivate = (ip: Ip) => PRIVATE.some((r) => inPrefix(ip, r.net, r.bits));

/** Whether `ip` is in a private, loopback, link-local or otherwise non-public range. */
export function isPrivateAddress(ip: string): boolean {
  const parsed = parseIp(ip);
  return parsed ? isPrivate(parsed) : false;
}

function privateAllowed(policy: EgressPolicy, ip: Ip): boolean {
  return policy.allow_private.some((entry) => {
    const c = parseCidr(entry);
    return c !== null && inPrefix(ip, c.net, c.bits);
  });
}

/** A host as compared: lower case, no trailing dot, no IPv6 brackets, IPs in canonical form. */
export function normalizeHost(host: string): string {
  const h = host.toLowerCase().replace(/\.$/, '');
  const bare = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  const ip = parseIp(bare);
  if (!ip) return bare;
  if (ip.v === 4) return ip.bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((ip.bytes[i] as number) << 8) | (ip.bytes[i + 1] as number)).toString(16));
  return groups.join(':');
}

/** Whether `host` matches an allowlist entry: exact, or `*.example.com` for any name under example.com. */
export function hostMatches(entry: string, host: string): boolean {
  const h = normalizeHost(host);
  const e = entry.toLowerCase().replace(/\.$/, '');
  if (e.startsWith('*.')) return h.endsWith(e.slice(1)) && !parseIp(h);
  return normalizeHost(e) === h;
}

/** An allowlist entry's problem, or null: a host name, an IP, or `*.` and a name of two labels or more. */
export function hostEntryProblem(entry: string): string | null {
  if (entry.length > 253) return 'is too long';
  if (parseIp(entry)) return null;
  const name = entry.startsWith('*.') ? entry.slice(2) : entry;
  const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
  const labels = name.split('.');
  if (!labels.every((l) => LABEL.test(l))) return 'must be a lower-case host name, an IP address or *.domain';
  if (entry.startsWith('*.') && labels.length < 2)
    return 'a wildcard must cover a domain of two labels or more';
  return null;
}

/** An allow_private entry's problem, or null. */
export const cidrEntryProblem = (entry: string): string | null =>
  parseCidr(entry) ? null : 'must be an IP address or a CIDR';

const LOCALHOST = /(^|\.)localhost$/;

/**
 * Whether a request to `url` may leave under `policy`. Without `resolvedIp`, only what the URL
 * itself says is judged (an IP literal, `localhost`); the gateway passes the address it is about
 * to connect to, and that address is judged too.
 *
 * - https, or http only to a host the allowlist names;
 * - no user info in the URL (credentials go through the vault, never in a URL);
 * - when `hosts` is not empty, the host must match one of them;
 * - a private, loopback or link-local address (literal, `localhost`, or resolved) only when
 *   `allow_private` names it.
 */
export function checkEgress(policy: EgressPolicy, url: string | URL, resolvedIp?: string): EgressDecision {
  let u: URL;
  try {
    u = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return { allowed: false, reason: 'the URL is not valid' };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    return { allowed: false, reason: `the scheme ${u.protocol} is not allowed` };
  if (u.username || u.password) return { allowed: false, reason: 'the URL must not carry user info' };
  const host = normalizeHost(u.hostname);
  const listed = policy.hosts.some((e) => hostMatches(e, host));
  if (policy.hosts.length && !listed)
    return { allowed: false, reason: `the host ${host} is not in the egress allowlist` };
  if (u.protocol === 'http:' && !listed)
    return { allowed: false, reason: `plain http is allowed only to hosts the egress allowlist names` };
  const denied = (what: string): EgressDecision => ({
    allowed: false,
    reason: `${what} is a private address the egress policy does not allow`,
  });
  const literal = parseIp(host);
  if (literal && isPrivate(literal) && !privateAllowed(policy, literal)) return denied(host);
  // localhost resolves to loopback, v4 or v6: judged by name here, by address at request time.
  if (LOCALHOST.test(host) && !['127.0.0.1', '::1'].some((a) => privateAllowed(policy, parseIp(a) as Ip)))
    return denied(host);
  if (resolvedIp !== undefined) {
    const resolved = parseIp(resolvedIp);
    if (!resolved) return { allowed: false, reason: 'the resolved address is not an IP address' };
    if (isPrivate(resolved) && !privateAllowed(policy, resolved)) return denied(normalizeHost(resolvedIp));
  }
  return { allowed: true };
}
