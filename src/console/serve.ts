import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECURITY_HEADERS } from '../http/security-headers.js';

export const CONSOLE_PATH = '/console';

/** Where `npm run build` puts the console (vite, from console/): dist/console, next to dist/src. */
const BUILT_CONSOLE = fileURLToPath(new URL('../../console/', import.meta.url));

/**
 * The console runs only its own bundled files and talks only to this origin; nothing inline, no eval,
 * no framing. Forms are handled by script, so form-action never leaves the origin either.
 */
const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

interface ConsoleFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * The built console, read once: a few hundred kilobytes. Files under assets/ carry a content hash in
 * their names, so browsers may keep them; index.html is revalidated so a new release is picked up.
 */
function loadConsole(directory: string): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  if (!existsSync(join(directory, 'index.html'))) return files;
  for (const file of filesUnder(directory)) {
    const urlPath = `${CONSOLE_PATH}/${relative(directory, file).split(sep).join('/')}`;
    files.set(urlPath, {
      body: readFileSync(file),
      contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      cacheControl: urlPath.startsWith(`${CONSOLE_PATH}/assets/`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return files;
}

/**
 * The page a path shows: a built file, or for any other path without a file extension the console's
 * index.html, whose router then shows the page (so /console/clients/tgc_x can be reloaded or bookmarked).
 */
function resolve(files: ReadonlyMap<string, ConsoleFile>, path: string): ConsoleFile | undefined {
  const file = files.get(path);
  if (file) return file;
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  return lastSegment.includes('.') ? undefined : files.get(`${CONSOLE_PATH}/index.html`);
}

/**
 * GET /console and below: the administrators' web console, built from console/ by `npm run build`.
 * It holds no server logic: every action is a call to the documented admin API.
 */
export function createConsoleHandler(
  directory: string = BUILT_CONSOLE,
): (req: IncomingMessage, res: ServerResponse) => void {
  const files = loadConsole(directory);
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': CONSOLE_CONTENT_SECURITY_POLICY,
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
  const text = (res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}) =>
    res
      .writeHead(status, {
        ...headers,
        ...extra,
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'no-store',
      })
      .end(`${message}\n`);

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return void text(res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    if (files.size === 0) return void text(res, 404, 'the console is not built: run npm run build');
    const file = resolve(files, (req.url ?? '/').split('?')[0]!);
    if (!file) return void text(res, 404, 'not found');
    res.writeHead(200, {
      ...headers,
      'Content-Type': file.contentType,
      'Content-Length': file.body.length,
      'Cache-Control': file.cacheControl,
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };
}
