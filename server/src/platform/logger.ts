import { type Logger, type LoggerOptions, pino } from 'pino';
import type { Config } from '../config.js';

/** Paths never written to logs, whatever a log call passes. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
];

let stampedMs = -1;
let stamp = '';
/**
 * pino's ISO timestamp, formatted once per millisecond rather than once per line: under load
 * several lines share a millisecond, and formatting a Date showed in the token path's profile.
 */
function isoTime(): string {
  const ms = Date.now();
  if (ms !== stampedMs) {
    stampedMs = ms;
    stamp = `,"time":"${new Date(ms).toISOString()}"`;
  }
  return stamp;
}

/** The options every Gatehouse logger is built with: level, redaction, ISO timestamps. */
export function loggerOptions(config: Pick<Config, 'logLevel'>): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'gatehouse' },
    timestamp: isoTime,
  };
}

/** JSON logs to stdout; one-off CLI commands pass fd 2 so their own output stays clean. */
export function createLogger(config: Pick<Config, 'logLevel'>, fd: 1 | 2 = 1): Logger {
  return pino(loggerOptions(config), pino.destination({ fd, sync: fd === 2 }));
}
