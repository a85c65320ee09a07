import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';

/**
 * One log line per request, written when it completes: method, URL, status, time and client
 * address, flat. Fastify's default is two lines built from its req/res serializers, which with
 * redaction applied to each cost more than signing the token on the token path
 * (bench/RESULTS.md). Nothing here carries headers or a body, so these lines skip the
 * redaction every other log line goes through.
 */
export class RequestLog extends LogController {
  readonly #lines: Logger;

  constructor(log: Logger) {
    super();
    this.#lines = log.child({}, { redact: [] });
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      reqId: request.id,
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime,
      ip: request.ip,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else this.#lines.info(line, 'request completed');
  }
}
