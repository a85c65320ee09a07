import { Transform, type TransformCallback } from 'node:stream';

const MARK = Buffer.from('[REDACTED]');

/**
 * Replaces every occurrence of `secrets` in a byte stream, also across chunk boundaries: an
 * upstream that echoes the credential it was sent (a debug endpoint, an error page) must not
 * hand it to the agent. Holds back at most the longest secret's length minus one byte.
 */
export function redactStream(secrets: readonly string[], onEnd: (bytes: number) => void): Transform {
  const needles = [...new Set(secrets.filter((s) => s.length >= 4))].map((s) => Buffer.from(s));
  const keep = Math.max(0, ...needles.map((n) => n.length - 1));
  let carry: Buffer = Buffer.alloc(0);
  let bytes = 0;

  const scrub = (buf: Buffer): Buffer => {
    let out: Buffer = buf;

    for (const n of needles) {
      let at = out.indexOf(n);
      if (at < 0) continue;
      const parts: Buffer[] = [];
      let from = 0;
      while (at >= 0) {
        parts.push(out.subarray(from, at), MARK);
        from = at + n.length;
        at = out.indexOf(n, from);
      }
      parts.push(out.subarray(from));
      out = Buffer.concat(parts);
    }
    return out;
  };

  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      bytes += chunk.length;
      if (!needles.length) return done(null, chunk);
      const joined = scrub(carry.length ? Buffer.concat([carry, chunk]) : chunk);
      // The tail may be the start of a secret that the next chunk completes.
      const cut = Math.max(0, joined.length - keep);
      carry = joined.subarray(cut);
      done(null, joined.subarray(0, cut));
    },
    flush(done: TransformCallback) {
      onEnd(bytes);
      done(null, carry.length ? scrub(carry) : undefined);
    },
  });
}

/** `value` with every secret in it replaced (headers of the upstream's answer). */
export function redactText(value: string, secrets: readonly string[]): string {
  let out = value;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[REDACTED]');
  return out;
}
