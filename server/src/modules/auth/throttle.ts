import { tooManyRequests } from '../../platform/errors.js';
import type { EphemeralStore } from '../../platform/store/store.js';

interface Limits {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
}

/**
 * Counts failed logins per account and per client IP in fixed windows. Once either count
 * reaches its limit, further attempts are refused before the password is even checked.
 */
export function createLoginThrottle(store: EphemeralStore, limits: Limits) {
  const keys = (email: string, ip: string | null) => [
    { key: `login:acct:${email}`, max: limits.maxFailuresPerAccount },
    { key: `login:ip:${ip ?? 'unknown'}`, max: limits.maxFailuresPerIp },
  ];
  return {
    async check(email: string, ip: string | null) {
      for (const { key, max } of keys(email, ip)) {
        const counter = await store.readCounter(key);
        if (counter && counter.value >= max) {
          throw tooManyRequests(
            counter.ttlMs / 1000,
            `Too many failed sign-in attempts; try again in ${Math.ceil(counter.ttlMs / 1000)} seconds`,
          );
        }
      }
    },
    async failed(email: string, ip: string | null) {
      await Promise.all(keys(email, ip).map(({ key }) => store.increment(key, limits.windowSeconds * 1000)));
    },
    async succeeded(email: string) {
      await store.delete(`login:acct:${email}`);
    },
  };
}
