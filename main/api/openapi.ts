/** /v1/openapi.json, generated from the route table's zod schemas (the one schema source). */
import { pathParameters, queryParameters, schemaOf, type Json } from '../../core/openapi.js';
import { ErrorBody } from './schemas.js';
import type { Route } from './routes.js';
import { TILL_VERSION } from '../service/version.js';

/**
 * Every route takes the POS key or a staff session at the front door (main/api/server.ts); the
 * cashier UI's own endpoints then refuse the POS key with 403 where they need a staff member.
 * Sign-in alone needs neither.
 */
const EITHER = [{ posApiKey: [] }, { staffSession: [] }];

function parameters(r: Route, schemas: Json): { parameters?: unknown[] } {
  const all = [...(pathParameters(r.path).parameters ?? []), ...queryParameters(r.query, schemas)];
  return all.length > 0 ? { parameters: all } : {};
}

export function openApiDocument(table: readonly Route[]): unknown {
  const schemas: Json = {};
  const error = {
    description: 'error',
    content: { 'application/json': { schema: schemaOf(ErrorBody, 'output', schemas) } },
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of table) {
    paths[r.path] ??= {};
    (paths[r.path] as Record<string, unknown>)[r.method.toLowerCase()] = {
      operationId: r.operationId,
      summary: r.summary,
      ...parameters(r, schemas),
      security: r.public ? [] : EITHER,
      ...(r.request
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schemaOf(r.request, 'input', schemas) } },
            },
          }
        : {}),
      responses: {
        [String(r.successStatus)]: {
          description: 'success',
          content: { 'application/json': { schema: schemaOf(r.response, 'output', schemas) } },
        },
        '400': error,
        '401': error,
        // A staff session's own refusals: forbidden (role), supervisor_required.
        '403': error,
        '404': error,
        '409': error,
        '422': error,
      },
    };
  }
  paths['/v1/events'] = {
    get: {
      operationId: 'streamEvents',
      summary: 'Server-sent events: card, member, sale, return, quote, sync, device',
      security: EITHER,
      responses: { '200': { description: 'text/event-stream' }, '401': error },
    },
  };
  paths['/v1/openapi.json'] = {
    get: {
      operationId: 'getOpenApi',
      summary: 'This document',
      security: [],
      // Every request with another Host is refused first (main/api/hosts.ts), this one too.
      responses: { '200': { description: 'OpenAPI 3.1' }, '421': error },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Till loyalty: POS integration API',
      // The package is private (package.json); integrators use it under their contract with the chain.
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      version: TILL_VERSION,
      description:
        'Money is integer fen, points are integers. Errors: {"error":{"code","message","field?"}} with a 4xx status; a 5xx is a defect. saleId and returnId are idempotency keys.',
    },
    servers: [{ url: 'http://127.0.0.1:7420' }],
    components: {
      schemas,
      securitySchemes: {
        posApiKey: { type: 'http', scheme: 'bearer', description: 'TILL_POS_API_KEY' },
        staffSession: {
          type: 'http',
          scheme: 'bearer',
          description: 'a staff session token from POST /v1/staff/sessions (the cashier UI)',
        },
      },
    },
    paths,
  };
}
