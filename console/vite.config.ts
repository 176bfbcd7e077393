import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Builds the console into dist/console, which the server serves at /console (src/console/serve.ts).
 * The output must run under a strict CSP: no inline script or style, nothing from another origin, so
 * assets are never inlined as data: URIs.
 */
// Vite reads its configuration from the default export: the one exception to the named-exports rule.
export default defineConfig({
  root: here('.'),
  base: '/console/',
  publicDir: here('public'),
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../dist/console'),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
  // `npm run console:dev`: the console with live reload against a Tollgate started with `npm start`.
  server: {
    proxy: Object.fromEntries(
      ['/api', '/token', '/.well-known'].map((path) => [path, process.env.TOLLGATE_URL ?? 'http://localhost:3000']),
    ),
  },
});
