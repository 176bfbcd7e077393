import { z } from 'zod';
import { PROBLEM_TYPES, PROBLEM_TYPES_PATH, type ProblemCode } from '../http/api/problem.js';
import { named, type RouteSpec, route } from '../http/api/route-spec.js';
import { NotFoundError } from '../x/errors.js';

const infoSchema = z.object({
  version: z.string().describe("The server's release."),
  api_version: z
    .string()
    .describe('Semver of this admin API: the minor grows with additions, the major with breaking changes.'),
});

const openApiDocumentSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

export interface MetaOptions {
  readonly version: string;
  readonly apiVersion: string;
  /** The document describing every route, this one included. */
  readonly openApiDocument: () => object;
  /** The absolute URI problem `type`s start with: `{issuer}/api/v1/problems`. */
  readonly problemTypeBase: string;
}

const problemTypeSchema = z.object({
  type: z.string().describe('This URI, as it appears in problem answers.'),
  code: z.string(),
  status: z.int().describe('The HTTP status it is answered with.'),
  title: z.string(),
  description: z.string(),
});

const problemCodeParams = z.object({ code: z.string().max(64) });

function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEM_TYPES, code);
}

/** What a caller needs before it has a token: which server and API this is, and how to call it. */
export function metaRoutes(options: MetaOptions): RouteSpec[] {
  const describe = (code: ProblemCode) => ({
    type: `${options.problemTypeBase}/${code}`,
    code,
    ...PROBLEM_TYPES[code],
  });
  return [
    route({
      method: 'get',
      path: PROBLEM_TYPES_PATH,
      operationId: 'listProblemTypes',
      summary: 'Every problem type the admin API answers with',
      description: 'The `type` of a problem answer is the URI of its entry here.',
      tag: 'Meta',
      access: 'public',
      responses: {
        200: {
          description: 'Problem types',
          body: named('ProblemTypes', z.object({ items: z.array(problemTypeSchema) })),
        },
      },
      handler: async (ctx) => {
        ctx.body = { items: (Object.keys(PROBLEM_TYPES) as ProblemCode[]).map(describe) };
      },
    }),
    route({
      method: 'get',
      path: `${PROBLEM_TYPES_PATH}/{code}`,
      operationId: 'getProblemType',
      summary: 'One problem type: what it means and what to do',
      tag: 'Meta',
      access: 'public',
      params: problemCodeParams,
      responses: { 200: { description: 'The problem type', body: named('ProblemType', problemTypeSchema) } },
      handler: async (ctx, { params }) => {
        const { code } = params;
        if (!isProblemCode(code)) throw new NotFoundError(`no problem type "${code}"`);
        ctx.body = describe(code);
      },
    }),
    route({
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
    }),
    route({
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
    }),
  ];
}
