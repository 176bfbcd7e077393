import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { sendJson, sendText } from '../http/send.js';
import type { Logger } from './logger.js';
import type { ReadinessProbe } from './readiness.js';

/** Public contract: the operations paths. */
const OPERATIONS_PATHS = {
  health: '/healthz',
  readiness: '/readyz',
  metrics: '/metrics',
} as const;

const NOT_CACHED = { 'Cache-Control': 'no-store' };

export interface OperationsDependencies {
  readonly readiness: ReadinessProbe;
  readonly metrics: Registry;
  /** The metrics text: this process's, or the whole cluster's (see cluster-metrics.ts). */
  readonly renderMetrics: () => Promise<string>;
  readonly logger: Logger;
}

type OperationsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * GET /healthz (the process answers), GET /readyz (its dependencies answer) and GET /metrics. They carry
 * no secrets and need no authentication, like every Prometheus target and orchestrator probe; expose
 * them only to the internal network (see docs/operations.md).
 */
export function operationsHandlers(deps: OperationsDependencies): ReadonlyMap<string, OperationsHandler> {
  return new Map<string, OperationsHandler>([
    [OPERATIONS_PATHS.health, async (_req, res) => sendJson(res, 200, { status: 'ok' }, NOT_CACHED)],
    [
      OPERATIONS_PATHS.readiness,
      async (_req, res) => {
        const { ready, checks } = await deps.readiness.check();
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks }, NOT_CACHED);
      },
    ],
    [
      OPERATIONS_PATHS.metrics,
      async (_req, res) => {
        try {
          sendText(res, 200, deps.metrics.contentType, await deps.renderMetrics(), NOT_CACHED);
        } catch (error) {
          deps.logger.warn({ err: error }, 'could not render the metrics');
          sendText(res, 503, 'text/plain; charset=utf-8', 'metrics unavailable; retry shortly\n', {
            ...NOT_CACHED,
            'Retry-After': '1',
          });
        }
      },
    ],
  ]);
}
