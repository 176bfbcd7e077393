/**
 * The layers of src/, bottom first: a module may import its own layer and the layers below it, never one
 * above. Written down once, here; `npm run lint` (dependency-cruiser, part of `npm test`) rejects a back-edge.
 *
 * - x: dependency-free building blocks (errors, input validation, IP ranges, public paths).
 * - config .. limits: infrastructure, which knows nothing of the domains.
 * - http/api: the admin API's route kit (route specs, access, problem+json), which domains declare routes with.
 * - the domains, each allowed to use the ones listed before it; client-auth (how a client proves who it is:
 *   the methods, the key source, the safe fetcher) sits on clients and below the OAuth endpoints.
 * - assembly: the composition root, the admin API's assembly, the CLI and the process entry points.
 */
const LAYERS = [
  ['x', '^src/x/'],
  ['config', '^src/config/'],
  ['redis', '^src/redis/'],
  ['http', '^src/http/(?!api/)'],
  ['limits', '^src/limits/'],
  ['observability', '^src/observability/'],
  ['db', '^src/db/|^migrations/'],
  ['sync', '^src/sync/'],
  ['http-api', '^src/http/api/'],
  ['console', '^src/console/'],
  ['audit', '^src/audit/'],
  ['keys', '^src/keys/'],
  ['roles', '^src/roles/'],
  ['organizations', '^src/organizations/'],
  ['settings', '^src/settings/'],
  ['clients', '^src/clients/'],
  ['client-auth', '^src/client-auth/'],
  ['sessions', '^src/sessions/'],
  ['tokens', '^src/tokens/'],
  ['oauth', '^src/oauth/'],
  ['assembly', '^src/(admin|cli|deployment)/|^src/[^/]+\\.ts$'],
];

const upward = LAYERS.slice(0, -1).map(([name, path], index) => ({
  name: `layer-${name}`,
  comment: `${name} may not import a layer above it`,
  severity: 'error',
  from: { path },
  to: {
    path: LAYERS.slice(index + 1)
      .map(([, above]) => `(${above})`)
      .join('|'),
  },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'modules import each other in one direction only',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'unlayered',
      comment: 'every module of src/ belongs to a layer: add its folder to LAYERS',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map(([, path]) => `(${path})`).join('|') },
      to: {},
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
