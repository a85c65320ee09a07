/** RFC 8707 §2 leaves the length open; this bounds what a token request and a row may carry. */
export const RESOURCE_URI_MAX = 2048;

// RFC 3986 characters only: anything else (spaces, non-ASCII) would be silently rewritten by a
// URL parser, and a resource is matched byte for byte, so it is refused instead.
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
// `scheme://` and a non-empty authority: WHATWG parsing would accept `https:host` or
// `https:///host` and invent the slashes, which is a normalisation we do not do.
const AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?]+)/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Why `uri` cannot name a resource server (RFC 8707 §2: an absolute URI without a fragment;
 * here also https, or http on a loopback host only), or null when it can. Nothing is normalised:
 * the URI is judged, and stored, exactly as given.
 */
export function resourceUriProblem(uri: string): string | null {
  if (!uri) return 'must not be empty';
  if (uri.length > RESOURCE_URI_MAX) return `must be at most ${RESOURCE_URI_MAX} characters`;
  if (!URI_CHARS.test(uri)) return 'must be an ASCII URI without spaces (percent-encode other characters)';
  if (BAD_PERCENT.test(uri)) return 'has a malformed percent-encoding';
  if (uri.includes('#')) return 'must not contain a fragment (RFC 8707 §2)';
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (!scheme) return 'must be an absolute URI (RFC 8707 §2), e.g. https://api.example.com';
  if (scheme !== 'https' && scheme !== 'http') return 'must use https (or http on a loopback host)';
  const authority = AUTHORITY.exec(uri)?.[1];
  if (!authority) return 'must name a host: https://host/…';
  if (authority.includes('@')) return 'must not contain user information';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI (RFC 8707 §2), e.g. https://api.example.com';
  }
  if (scheme === 'http' && !LOOPBACK.has(url.hostname)) {
    return 'must use https; http is allowed only on a loopback host (127.0.0.1, localhost, [::1])';
  }
  return null;
}

/** Whether `uri` names the same URL as `other` (case of scheme and host, default port, empty path). */
export function sameUrl(uri: string, other: string): boolean {
  try {
    return new URL(uri).href === new URL(other).href;
  } catch {
    return false;
  }
}
