import { z } from 'zod';
import { named, type RouteSpec } from '../http/api/route-spec.js';

export const infoSchema = z.object({
  version: z.string().describe("The server's release."),
  api_version: z.string().describe('Semver of this admin API: the minor grows with additions, the major with breaking changes.'),
});

const openApiDocumentSchema = z.looseObject({ openapi: z.string(), info: z.looseObject({ version: z.string() }), paths: z.record(z.string(), z.unknown()) });

export interface MetaOptions {
  readonly version: string;
  readonly apiVersion: string;
  /** The document describing every route, this one included. */
  readonly openApiDocument: () => object;
}

/** What a caller needs before it has a token: which server and API this is, and how to call it. */
export function metaRoutes(options: MetaOptions): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/info',
      operationId: 'getInfo',
      summary: 'Server and admin API versions',
      tag: 'Meta',
      access: 'public',
      responses: { 200: { description: 'Versions', body: named('Info', infoSchema) } },
      handler: async (ctx) => {
        ctx.body = { version: options.version, api_version: options.apiVersion };
      },
    },
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI 3.1 document',
      description: 'Browse it at /docs.',
      tag: 'Meta',
      access: 'public',
      responses: { 200: { description: 'The document', body: named('OpenApiDocument', openApiDocumentSchema) } },
      handler: async (ctx) => {
        ctx.body = options.openApiDocument();
      },
    },
  ];
}
