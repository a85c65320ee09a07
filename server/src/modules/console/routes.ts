import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../../platform/http/problem.js';

/** console/dist, from both server/src and server/dist. */
const CONSOLE_DIR = fileURLToPath(new URL('../../../../console/dist/', import.meta.url));

/** Serves the console's built files at /console, with client-side routes falling back to index.html. */
export async function registerConsole(app: FastifyInstance) {
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'));
  if (!existsSync(`${CONSOLE_DIR}index.html`)) {
    app.get('/console/*', { schema: { hide: true } }, (request, reply) =>
      sendProblem(request, reply, {
        status: 503,
        code: 'console_not_built',
        detail: 'The console is not built; run `npm run build` first',
      }),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: CONSOLE_DIR,
    prefix: '/console/',
    wildcard: false,
    index: ['index.html'],
  });
  app.get('/console', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'));
  // Client-side routes get the app; a missing file (say, an asset of an older build) gets a real
  // 404, not HTML the browser would refuse as a script.
  app.get('/console/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split(/[?#]/)[0] ?? '';
    if (/\.[A-Za-z0-9]+$/.test(path)) {
      return sendProblem(request, reply, { status: 404, code: 'route_not_found', detail: `No file ${path}` });
    }
    return reply.sendFile('index.html');
  });
}
