import { type Logger, pino } from 'pino';
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

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'gatehouse' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
