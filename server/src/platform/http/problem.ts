import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type FieldError } from '../errors.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Stable codes for the errors Fastify itself raises before a handler runs. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid_content_length',
    message: 'Content-Length does not match the body',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'body_too_large',
    message: 'The request body is too large',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'malformed_json',
    message: 'The body is empty but content-type is application/json',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: 'malformed_json',
    message: 'The body is not valid JSON',
  },
};

/** PostgreSQL's SQLSTATE for a unique constraint violation (pg and PGlite both expose `code`). */
const UNIQUE_VIOLATION = '23505';

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  p: { status: number; code: string; detail?: string; errors?: FieldError[] },
) {
  return reply
    .code(p.status)
    .type('application/problem+json')
    .send({
      type: `urn:gatehouse:problem:${p.code}`,
      title: TITLES[p.status] ?? 'Error',
      status: p.status,
      code: p.code,
      ...(p.detail ? { detail: p.detail } : {}),
      ...(p.errors ? { errors: p.errors } : {}),
      request_id: request.id,
    });
}

function fieldPath(path: string): string {
  return path.replace(/^\//, '').replaceAll('/', '.');
}

/**
 * One error handler for the whole API: every error leaves as RFC 9457 problem+json with a
 * stable `code`. Only AppError messages and known client errors are shown; anything else
 * is a 500 whose cause stays in the log.
 */
export function registerProblemHandlers(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      if (error.extra.retryAfterSeconds !== undefined) {
        reply.header('retry-after', String(Math.max(1, Math.ceil(error.extra.retryAfterSeconds))));
      }
      if (error.status >= 500) request.log.error({ err: error.cause ?? error }, error.message);
      return sendProblem(request, reply, {
        status: error.status,
        code: error.code,
        detail: error.message,
        ...(error.extra.errors ? { errors: error.extra.errors } : {}),
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'body';
      const errors = error.validation.flatMap((v): FieldError[] => {
        const at = fieldPath(v.instancePath);
        // An unknown key is reported on its parent; name the key itself.
        const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: string[] }).keys : undefined;
        const fields = keys?.map((k) => (at ? `${at}.${k}` : k)) ?? [at];
        return fields.map((f) => ({
          field: f ? `${where}.${f}` : where,
          message: keys ? 'is not a known field' : (v.message ?? 'is invalid'),
        }));
      });
      return sendProblem(request, reply, {
        status: 400,
        code: 'validation_failed',
        detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        errors,
      });
    }
    // A unique constraint lost to a concurrent request: the caller's view was stale, not ours wrong.
    if (error.code === UNIQUE_VIOLATION) {
      return sendProblem(request, reply, {
        status: 409,
        code: 'conflict',
        detail: 'This conflicts with a change made at the same time; reload and try again',
      });
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known)
      return sendProblem(request, reply, { status: known.status, code: known.code, detail: known.message });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(request, reply, {
        status: error.statusCode,
        code: 'bad_request',
        detail: error.message,
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(request, reply, {
      status: 500,
      code: 'internal_error',
      detail: 'Something went wrong on our side; quote the request id when reporting it',
    });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, {
      status: 404,
      code: 'route_not_found',
      detail: `No route for ${request.method} ${request.url.split('?')[0]}`,
    }),
  );
}
