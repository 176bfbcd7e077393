import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SECURITY_HEADERS } from '../http/security-headers.js';

export const DOCS_PATH = '/docs';

export interface DocsOptions {
  /** The OpenAPI document Swagger UI loads, same origin. */
  readonly openApiPath: string;
  /** The issuer URL: Swagger UI posts client credentials to its token endpoint. */
  readonly issuer: string;
}

interface Asset {
  readonly contentType: string;
  readonly body: () => Buffer;
  readonly cacheControl: string;
}

const DIST = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSET_MAX_AGE = 'public, max-age=3600';

/** Reads a file of swagger-ui-dist once, on first request, and keeps it. */
function distFile(name: string): () => Buffer {
  let cached: Buffer | undefined;
  return () => (cached ??= readFileSync(join(DIST, name)));
}

function page(): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Tollgate admin API</title>
    <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
    <link rel="icon" type="image/png" href="${DOCS_PATH}/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
    <script src="${DOCS_PATH}/init.js"></script>
  </body>
</html>
`;
}

/** A separate file, not an inline script, so the page's CSP can forbid inline scripts. */
function initializer(openApiPath: string): string {
  return `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(openApiPath)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;
}

/**
 * Swagger UI needs more than the API's `default-src 'none'`: its own scripts and styles (it sets inline
 * style attributes), data: images, and requests to this origin and to the token endpoint.
 */
function contentSecurityPolicy(issuer: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self' ${new URL(issuer).origin}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** GET /docs: Swagger UI from the swagger-ui-dist package, served by this server (no CDN). */
export function createDocsHandler(options: DocsOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const html = Buffer.from(page());
  const init = Buffer.from(initializer(options.openApiPath));
  const assets = new Map<string, Asset>([
    [DOCS_PATH, { contentType: 'text/html; charset=utf-8', body: () => html, cacheControl: 'no-cache' }],
    [`${DOCS_PATH}/`, { contentType: 'text/html; charset=utf-8', body: () => html, cacheControl: 'no-cache' }],
    [
      `${DOCS_PATH}/init.js`,
      { contentType: 'text/javascript; charset=utf-8', body: () => init, cacheControl: 'no-cache' },
    ],
    [
      `${DOCS_PATH}/swagger-ui.css`,
      { contentType: 'text/css; charset=utf-8', body: distFile('swagger-ui.css'), cacheControl: ASSET_MAX_AGE },
    ],
    [
      `${DOCS_PATH}/swagger-ui-bundle.js`,
      {
        contentType: 'text/javascript; charset=utf-8',
        body: distFile('swagger-ui-bundle.js'),
        cacheControl: ASSET_MAX_AGE,
      },
    ],
    [
      `${DOCS_PATH}/favicon-32x32.png`,
      { contentType: 'image/png', body: distFile('favicon-32x32.png'), cacheControl: ASSET_MAX_AGE },
    ],
  ]);
  const headers = { ...SECURITY_HEADERS, 'Content-Security-Policy': contentSecurityPolicy(options.issuer) };

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const asset = assets.get(path);
    if (!asset) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' })
        .end('method not allowed\n');
      return;
    }
    const body = asset.body();
    res.writeHead(200, {
      ...headers,
      'Content-Type': asset.contentType,
      'Content-Length': body.length,
      'Cache-Control': asset.cacheControl,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
