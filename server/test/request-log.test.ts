import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RequestLog } from '../src/platform/http/request-log.js';
import { loggerOptions } from '../src/platform/logger.js';

/** A Gatehouse logger writing into an array of parsed lines. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino(loggerOptions({ logLevel: 'info' }), sink), lines };
}

describe('request log', () => {
  it('writes one flat line per request, with no header or body in it', async () => {
    const { log, lines } = capture();
    const app = Fastify({
      loggerInstance: log,
      logController: new RequestLog(log),
      genReqId: () => 'req_test',
    });
    app.post('/oauth/token', async () => ({ ok: true }));
    const res = await app.inject({
      method: 'POST',
      url: '/oauth/token?x=1',
      headers: { authorization: 'Basic c2VjcmV0OnNlY3JldA==', 'content-type': 'application/json' },
      payload: { password: 'hunter2' },
    });
    expect(res.statusCode).toBe(200);
    await app.close();
    const requestLines = lines.filter((l) => l.msg === 'request completed');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      level: 30,
      service: 'gatehouse',
      reqId: 'req_test',
      method: 'POST',
      url: '/oauth/token?x=1',
      statusCode: 200,
      ip: '127.0.0.1',
    });
    expect(typeof requestLines[0]?.responseTime).toBe('number');
    expect(requestLines[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.stringify(lines)).not.toMatch(/c2VjcmV0|hunter2/);
  });

  it('leaves redaction on for every other line of the same logger', async () => {
    const { log, lines } = capture();
    const app = Fastify({ loggerInstance: log, logController: new RequestLog(log) });
    app.get('/x', async (request) => {
      request.log.info({ body: { password: 'hunter2', token: 'tok' } }, 'careless');
      log.info({ user: { secret: 's3cret' } }, 'also careless');
      return {};
    });
    await app.inject({ method: 'GET', url: '/x' });
    await app.close();
    expect(lines.find((l) => l.msg === 'careless')?.body).toEqual({
      password: '[redacted]',
      token: '[redacted]',
    });
    expect(lines.find((l) => l.msg === 'also careless')?.user).toEqual({ secret: '[redacted]' });
  });
});
