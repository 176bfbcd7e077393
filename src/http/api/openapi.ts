import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { OAUTH_PATHS } from '../../x/oauth-paths.js';
import { ADMIN_SCOPE, ORG_ADMIN_SCOPE } from '../../x/scopes.js';
import type { Access } from './access.js';
import { PROBLEM_CONTENT_TYPE, problemSchema } from './problem.js';
import { errorStatusesOf, type NamedSchema, type RouteSpec } from './route-spec.js';

export interface OpenApiOptions {
  /** The issuer URL: the token endpoint the security scheme points at lives there. */
  readonly issuer: string;
  /** Where the admin API is served, relative to the document's own origin. */
  readonly basePath: string;
  readonly apiVersion: string;
}

type JsonObject = Record<string, unknown>;

const SECURITY_SCHEME = 'oauth2';
const COMPONENT_REF = (name: string) => `#/components/schemas/${name}`;

const SECURITY: Record<Access, JsonObject[]> = {
  public: [],
  'platform-admin': [{ [SECURITY_SCHEME]: [ADMIN_SCOPE] }],
  'any-admin': [{ [SECURITY_SCHEME]: [ADMIN_SCOPE] }, { [SECURITY_SCHEME]: [ORG_ADMIN_SCOPE] }],
};

const ACCESS_NOTE: Record<Access, string> = {
  public: 'No authentication.',
  'platform-admin': 'Platform administrators only (scope `admin`, no organization).',
  'any-admin': 'Platform administrators, and org-admins (scope `org-admin`) within their own organization.',
};

/** JSON Schema 2020-12 from zod, as OpenAPI 3.1 embeds it (without the `$schema`/`$id` of a standalone document). */
function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, { io }) as JsonObject;
  return rest;
}

/** Collects named schemas; one name for two different schemas is a mistake worth failing on. */
class Components {
  private readonly byName = new Map<string, { schema: z.ZodType; io: 'input' | 'output' }>();

  ref(named: NamedSchema, io: 'input' | 'output'): JsonObject {
    const existing = this.byName.get(named.name);
    if (existing && (existing.schema !== named.schema || existing.io !== io))
      throw new Error(`two different schemas are named ${named.name}`);
    this.byName.set(named.name, { schema: named.schema, io });
    return { $ref: COMPONENT_REF(named.name) };
  }

  /** Each io in one pass, so components nested in components become $refs too. */
  schemas(): JsonObject {
    const result: JsonObject = {};
    for (const io of ['input', 'output'] as const) {
      const registry = z.registry<{ id: string }>();
      for (const [name, entry] of this.byName) if (entry.io === io) registry.add(entry.schema, { id: name });
      const { schemas } = z.toJSONSchema(registry, { io, uri: COMPONENT_REF }) as {
        schemas: Record<string, JsonObject>;
      };
      for (const [name, { $schema: _schema, $id: _id, ...schema }] of Object.entries(schemas)) result[name] = schema;
    }
    return result;
  }
}

function parametersOf(route: RouteSpec): JsonObject[] {
  const parameters: JsonObject[] = [];
  for (const [location, object] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!object) continue;
    const { properties = {}, required = [] } = toSchema(object, 'input') as {
      properties?: Record<string, JsonObject>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(properties)) {
      const { description, ...rest } = schema;
      parameters.push({
        name,
        in: location,
        required: location === 'path' || required.includes(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  return parameters;
}

function operationOf(route: RouteSpec, components: Components): JsonObject {
  const responses: JsonObject = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const content: JsonObject = {};
    if (response.body)
      content[Number(status) >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json'] = {
        schema: components.ref(response.body, 'output'),
      };
    for (const [mediaType, schema] of Object.entries(response.alternatives ?? {}))
      content[mediaType] = { schema: toSchema(schema, 'output') };
    responses[status] = { description: response.description, ...(Object.keys(content).length ? { content } : {}) };
  }
  // A route may describe one of its error statuses itself (what it means there, extension members).
  for (const status of errorStatusesOf(route))
    responses[status] ??= { $ref: `#/components/responses/Problem${status}` };
  const parameters = parametersOf(route);
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: [route.description, ACCESS_NOTE[route.access]].filter(Boolean).join('\n\n'),
    tags: [route.tag],
    security: SECURITY[route.access],
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: components.ref(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

function problemResponses(routes: readonly RouteSpec[]): JsonObject {
  const statuses = [...new Set(routes.flatMap(errorStatusesOf))].sort((a, b) => a - b);
  return Object.fromEntries(
    statuses.map((status) => [
      `Problem${status}`,
      {
        description: `${STATUS_CODES[status]} (RFC 9457 problem details)`,
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: COMPONENT_REF('Problem') } } },
      },
    ]),
  );
}

/** The OpenAPI 3.1 description of the admin API, built from the same route definitions koa serves. */
export function createOpenApiDocument(routes: readonly RouteSpec[], options: OpenApiOptions): JsonObject {
  const components = new Components();
  components.ref({ name: 'Problem', schema: problemSchema }, 'output');
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path]![route.method] = operationOf(route, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tollgate admin API',
      version: options.apiVersion,
      description:
        'Manage API clients, organizations, roles and platform settings. Get an access token from the token endpoint with client credentials (in Swagger UI: Authorize, then enter client_id and client_secret), then call these endpoints with `Authorization: Bearer <token>`. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: options.basePath }],
    tags: [...new Set(routes.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: components.schemas(),
      responses: problemResponses(routes),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'oauth2',
          description: 'OAuth 2.0 client credentials: the client_id and client_secret of an admin or org-admin client.',
          flows: {
            clientCredentials: {
              tokenUrl: `${options.issuer}${OAUTH_PATHS.token}`,
              scopes: {
                [ADMIN_SCOPE]: 'Platform administration: every client, organization, role and setting.',
                [ORG_ADMIN_SCOPE]: "Administration of one organization's clients.",
              },
            },
          },
        },
      },
    },
  };
}
