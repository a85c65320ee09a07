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

/** JSON logs to stdout; one-off CLI commands pass fd 2 so their own output stays clean. */
export function createLogger(config: Pick<Config, 'logLevel'>, fd: 1 | 2 = 1): Logger {
  return pino(
    {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'gatehouse' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd, sync: fd === 2 }),
  );
}
