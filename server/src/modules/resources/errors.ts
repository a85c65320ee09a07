import { badRequest, conflict } from '../../platform/errors.js';

/** The resources module's error codes, in one place (documented by their messages). */
export const resourceErrors = {
  exists: (uri: string) =>
    conflict('resource_exists', `A resource with the URI ${uri} is already registered`),
  invalidUri: (problem: string) =>
    badRequest('invalid_resource_uri', `uri ${problem}`, [{ field: 'body.uri', message: problem }]),
  isIssuer: () =>
    badRequest(
      'resource_is_issuer',
      "The issuer's own URL is the default audience of every token; it cannot be registered as a resource",
      [{ field: 'body.uri', message: 'is the issuer, which is the default audience' }],
    ),
};
