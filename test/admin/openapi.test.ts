import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { adminToken, api, claimsOf, createClient, tokenFor } from '../support/oauth.js';
import { createOrganization, createOrganizationAdmin } from '../support/organizations.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** The documented API, against the embedded default (PGlite, in-process sessions). */
let server: TestServer;
let document: OpenApiDocument;

type Operation = {
  operationId: string;
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
  responses: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
};

interface OpenApiDocument {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<
      string,
      { type: string; flows: { clientCredentials: { tokenUrl: string; scopes: Record<string, string> } } }
    >;
  };
}

beforeAll(async () => {
  server = await startTestServer();
  const response = await fetch(`${server.url}/api/v1/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApiDocument;
});

afterAll(async () => {
  await server?.stop();
});

function operations(): { path: string; method: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
}

describe('GET /api/v1/info', () => {
  it('answers the versions without authentication', async () => {
    const response = await fetch(`${server.url}/api/v1/info`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(body).toEqual({ version, api_version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
    expect(document.info.version).toBe(body.api_version);
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
  });

  it('documents every route koa serves, and nothing it does not', () => {
    const served = server.app.adminRoutes.map(
      (route) => `${route.method} ${route.path.replace(/^\/api\/v1/, '').replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`,
    );
    const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(served.length).toBeGreaterThanOrEqual(18);
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it('points an OAuth2 client-credentials scheme at our token endpoint and secures every non-public operation with it', () => {
    const [scheme] = Object.values(document.components.securitySchemes);
    expect(scheme!.type).toBe('oauth2');
    expect(scheme!.flows.clientCredentials.tokenUrl).toBe(`${server.config.issuer}/token`);
    expect(Object.keys(scheme!.flows.clientCredentials.scopes)).toEqual(['admin', 'org-admin']);
    for (const { path, operation } of operations()) {
      const isPublic = ['/info', '/openapi.json', '/problems', '/problems/{code}'].includes(path);
      expect({ path, secured: operation.security.length > 0 }).toEqual({ path, secured: !isPublic });
      if (!isPublic)
        for (const status of ['401', '403'])
          expect(operation.responses[status]?.$ref).toBe(`#/components/responses/Problem${status}`);
    }
  });

  it('documents problem+json errors, and 400 wherever there is input', () => {
    for (const { path, method, operation } of operations()) {
      if (operation.requestBody || operation.parameters?.length)
        expect({ path, method, has400: '400' in operation.responses }).toEqual({ path, method, has400: true });
      if (operation.parameters?.some((parameter) => parameter.in === 'path'))
        expect('404' in operation.responses).toBe(true);
    }
    const resolved = (
      document as unknown as { components: { responses: Record<string, { content: Record<string, unknown> }> } }
    ).components.responses;
    for (const response of Object.values(resolved))
      expect(Object.keys(response.content)).toEqual(['application/problem+json']);
  });

  it('documents when an early key rotation may be retried', () => {
    const conflict = document.paths['/keys/rotate']!.post!.responses['409']!;
    expect(JSON.stringify(conflict)).toMatch(/Retry-After/);
    expect(JSON.stringify(conflict)).toMatch(/retry_at/);
    const problem = (
      document.components as unknown as { schemas: Record<string, { properties: Record<string, unknown> }> }
    ).schemas.Problem!;
    expect(problem.properties.retry_at).toMatchObject({ type: 'string', format: 'date-time' });
  });

  it('describes request bodies with the very schemas the server validates with', async () => {
    const admin = await adminToken(server.url);
    const withBodies = operations().filter(({ operation }) => operation.requestBody);
    expect(withBodies.length).toBeGreaterThanOrEqual(7);
    for (const { path, method } of withBodies) {
      // Documented as additionalProperties: false, so the server must refuse an unknown field.
      const concrete = path.replace(/\{[^}]+\}/g, 'does-not-exist');
      const { status, body } = await api(server.url, admin, method.toUpperCase(), concrete, {
        not_a_documented_field: 1,
      });
      expect({ operation: `${method} ${path}`, status }).toEqual({ operation: `${method} ${path}`, status: 400 });
      expect(JSON.stringify(body.errors)).toContain('not_a_documented_field');
    }
  });
});

describe('GET /docs', () => {
  it('serves Swagger UI from this server, with a CSP that allows only its own scripts', async () => {
    const response = await fetch(`${server.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ${server.config.issuer}`);
    expect(csp).not.toMatch(/unsafe-eval/);
    const html = await response.text();
    expect(html).not.toMatch(/https?:\/\//);
    const scripts = [...html.matchAll(/src="([^"]+)"/g)].map((match) => match[1]!);
    const styles = [...html.matchAll(/href="([^"]+\.css)"/g)].map((match) => match[1]!);
    expect(scripts).toEqual(['/docs/swagger-ui-bundle.js', '/docs/init.js']);
    for (const asset of [...scripts, ...styles]) {
      const assetResponse = await fetch(`${server.url}${asset}`);
      expect({ asset, status: assetResponse.status }).toEqual({ asset, status: 200 });
      expect((await assetResponse.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect(await (await fetch(`${server.url}/docs/init.js`)).text()).toContain('"/api/v1/openapi.json"');
  });

  it('answers 404 for files it does not serve and 405 for other methods', async () => {
    expect((await fetch(`${server.url}/docs/swagger-initializer.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/docs/index.html`)).status).toBe(404);
    expect((await fetch(`${server.url}/docs`, { method: 'POST' })).status).toBe(405);
  });
});

describe('organizations on the embedded default', () => {
  it('scopes an org-admin and deletes an organization with its clients in one transaction', async () => {
    const admin = await adminToken(server.url);
    const [organization, other] = await Promise.all([
      createOrganization(server.url, admin, 'Embedded'),
      createOrganization(server.url, admin, 'Other'),
    ]);
    const orgAdmin = await createOrganizationAdmin(server.url, admin, organization.id);
    const client = await createClient(server.url, orgAdmin.token, { name: 'embedded service', role: 'read-only' });
    const foreign = await createClient(server.url, admin, {
      name: 'foreign',
      role: 'read-only',
      organization_id: other.id,
    });
    const token = await tokenFor(server.url, client);
    expect(claimsOf(token).org_id).toBe(organization.id);
    expect((await api(server.url, orgAdmin.token, 'GET', `/clients/${foreign.client_id}`)).status).toBe(404);

    expect((await api(server.url, admin, 'DELETE', `/organizations/${organization.id}`)).status).toBe(204);
    expect((await api(server.url, admin, 'GET', `/clients/${client.client_id}`)).status).toBe(404);
    expect((await api(server.url, token, 'GET', '/clients')).status).toBe(401);
    expect((await api(server.url, admin, 'GET', `/clients/${foreign.client_id}`)).status).toBe(200);
  });
});
