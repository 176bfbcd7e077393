import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dpopKey, dpopProof } from '../support/dpop.js';
import { startSharedServer } from '../support/modes.js';
import { adminToken, type CreatedClient, createClient, requestToken } from '../support/oauth.js';
import { readmeVerifierBlocks } from '../support/readme.js';
import type { TestServer } from '../support/server.js';

/**
 * The README's Node.js resource-server verifier (jose), run as written against a live server: the test
 * only points its issuer at the server under test. It is written next to this file so that its `jose`
 * import resolves from the project's node_modules.
 */
const README_ISSUER = "const issuer = 'http://localhost:3000';";

type Authorize = (authorizationHeader: string | undefined, requiredScope: string) => Promise<Record<string, unknown>>;

let server: TestServer;
let analyst: CreatedClient;
let readOnly: CreatedClient;
let authorize: Authorize;
let modulePath: string;

function readmeNodeVerifier(issuer: string): string {
  const code = readmeVerifierBlocks('js')[0]!;
  expect(code).toContain(README_ISSUER);
  return code.replace(README_ISSUER, `const issuer = ${JSON.stringify(issuer)};`);
}

beforeAll(async () => {
  server = await startSharedServer();
  const admin = await adminToken(server.url);
  analyst = await createClient(server.url, admin, { name: 'Node analyst', role: 'analyst' });
  readOnly = await createClient(server.url, admin, { name: 'Node reader', role: 'read-only' });
  modulePath = fileURLToPath(new URL(`readme-verifier-${randomUUID()}.mjs`, import.meta.url));
  writeFileSync(modulePath, readmeNodeVerifier(server.url));
  ({ authorize } = (await import(pathToFileURL(modulePath).href)) as { authorize: Authorize });
});

afterAll(async () => {
  if (modulePath) rmSync(modulePath, { force: true });
  await server?.stop();
});

async function token(client: CreatedClient, headers: Record<string, string> = {}): Promise<string> {
  const { status, body } = await requestToken(server.url, client.client_id, client.client_secret, {}, headers);
  expect(status).toBe(200);
  return body.access_token as string;
}

describe("the README's Node.js verifier (jose), run as written", () => {
  it('accepts a token with the scope and returns its claims', async () => {
    const claims = await authorize(`Bearer ${await token(analyst)}`, 'write');
    expect(claims).toMatchObject({ client_id: analyst.client_id, scope: 'read write', iss: server.url });
  });

  it('refuses a token without the scope', async () => {
    await expect(authorize(`Bearer ${await token(readOnly)}`, 'write')).rejects.toThrow('insufficient_scope');
  });

  it('refuses a token whose claims were edited', async () => {
    const [header, payload, signature] = (await token(readOnly)).split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...claims, scope: 'read write' })).toString('base64url');
    await expect(authorize(`Bearer ${header}.${widened}.${signature}`, 'write')).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
  });

  it('refuses a DPoP-bound token: it does not check bindings', async () => {
    const key = await dpopKey('ES256');
    const bound = await token(analyst, { dpop: await dpopProof(key, { htu: `${server.url}/token` }) });
    await expect(authorize(`Bearer ${bound}`, 'read')).rejects.toThrow(/token bound to a key/);
  });
});
