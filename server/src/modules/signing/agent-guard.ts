import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AgentPrincipal } from '../../platform/context.js';
import { AppError, forbidden } from '../../platform/errors.js';
import { type AccessTokenVerifier, InvalidToken } from '../oauth/access-tokens.js';
import { DPOP_SIGNING_ALGS, DpopError, type DpopVerifier } from '../oauth/dpop.js';

interface Deps {
  verifier: Pick<AccessTokenVerifier, 'verify'>;
  dpop: Pick<DpopVerifier, 'verify' | 'nonce'>;
  issuer: string;
  /** As the platform guards' onAgent: the per-agent rate limit, spent once the token is accepted. */
  onAgent?: (request: FastifyRequest, reply: FastifyReply, principal: AgentPrincipal) => Promise<void>;
}

const ACCESS_TOKEN = /^(Bearer|DPoP) ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;
const DPOP_ALGS = DPOP_SIGNING_ALGS.join(' ');

/** A 401 with the RFC 6750 §3 / RFC 9449 §7.1 challenge, as the platform's guards answer. */
function refuse(reply: FastifyReply, scheme: 'Bearer' | 'DPoP', error: string, description: string) {
  const algs = scheme === 'DPoP' ? `, algs="${DPOP_ALGS}"` : '';
  reply.header('www-authenticate', `${scheme} error="${error}", error_description="${description}"${algs}`);
  return new AppError(401, error, `The access token was refused: ${description}`);
}

/**
 * preHandler for routes only agents call, whatever their scopes (guards.actor asks for a
 * management scope, which an agent checking its signing setup need not hold). The token is
 * checked as guards.actor checks it: live, for this issuer, DPoP-bound tokens with their proof.
 * Sessions of people are refused: a person has no signing keys.
 */
export function agentGuard({ verifier, dpop, issuer, onAgent }: Deps) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const m = request.headers.authorization?.match(ACCESS_TOKEN);
    if (!m) {
      reply.header('www-authenticate', 'Bearer');
      throw new AppError(401, 'unauthenticated', 'An agent access token is required');
    }
    const scheme = m[1] as 'Bearer' | 'DPoP';
    const token = m[2] as string;
    let claims: Awaited<ReturnType<AccessTokenVerifier['verify']>>;
    try {
      claims = await verifier.verify(token, { audience: issuer });
    } catch (err) {
      if (err instanceof InvalidToken) throw refuse(reply, scheme, 'invalid_token', err.reason);
      throw err;
    }
    const bound = claims.cnf?.jkt;
    if (bound && scheme !== 'DPoP') throw refuse(reply, 'DPoP', 'invalid_token', 'the token is DPoP-bound');
    if (!bound && scheme === 'DPoP')
      throw refuse(reply, 'DPoP', 'invalid_token', 'the token is not DPoP-bound');
    if (bound) {
      const proof = request.headers.dpop;
      if (typeof proof !== 'string')
        throw refuse(reply, 'DPoP', 'invalid_dpop_proof', 'a DPoP proof is required');
      try {
        const path = request.url.split('?')[0] ?? '/';
        await dpop.verify(proof, {
          htm: request.method,
          htu: `${issuer}${path}`,
          accessToken: token,
          expectedJkt: bound,
        });
      } catch (err) {
        if (!(err instanceof DpopError)) throw err;
        if (err.code === 'use_dpop_nonce') reply.header('dpop-nonce', dpop.nonce());
        throw refuse(reply, 'DPoP', err.code, err.description);
      }
    }
    if (!claims.sub.startsWith('agt_')) {
      throw forbidden('agent_token_required', 'Only an agent may call this');
    }
    const principal: AgentPrincipal = {
      type: 'agent',
      agentId: claims.sub,
      orgId: claims.org_id,
      clientId: claims.client_id,
      scopes: claims.scope.split(' ').filter(Boolean),
      tokenId: claims.jti,
      ...(claims.act ? { act: claims.act } : {}),
    };
    if (onAgent) await onAgent(request, reply, principal);
    request.principal = principal;
  };
}
