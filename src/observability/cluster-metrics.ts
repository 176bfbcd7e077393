import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { withTimeLimit } from '../x/time-limit.js';
import type { Logger } from './logger.js';

/**
 * With several workers, GET /metrics reaches whichever worker the primary hands the connection to, yet
 * must describe the whole process tree. The worker asks the primary over the cluster IPC channel; the
 * primary collects every worker's metrics as JSON, merges them (prom-client's aggregation: counters and
 * histograms add up, each gauge per its `aggregator`) and answers. No extra port, and a scrape sees
 * every request any worker served.
 */
const REQUEST = 'tollgate:metrics:request';
const RESPONSE = 'tollgate:metrics:response';
const COLLECT = 'tollgate:metrics:collect';
const COLLECTED = 'tollgate:metrics:collected';

/** A worker that does not answer in time (busy, or exiting) is left out of that scrape. */
const COLLECT_TIME_LIMIT_MS = 2_000;

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

interface Message {
  readonly type?: unknown;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
  readonly metrics?: MetricsJson | null;
}

function isMessage(value: unknown, type: string): value is Message {
  return typeof value === 'object' && value !== null && (value as Message).type === type;
}

/** Primary: serves workers' requests for the merged metrics of all workers. */
export function serveClusterMetrics(logger: Logger): void {
  let nextCollection = 0;
  const collections = new Map<
    number,
    { readonly answers: MetricsJson[]; expected: number; readonly done: () => void }
  >();

  async function collectAll(): Promise<string> {
    const id = nextCollection++;
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker?.isConnected());
    const answers: MetricsJson[] = [];
    const complete = new Promise<void>((resolve) =>
      collections.set(id, { answers, expected: workers.length, done: resolve }),
    );
    for (const worker of workers) worker!.send({ type: COLLECT, id });
    if (workers.length === 0) collections.get(id)!.done();
    await withTimeLimit(complete, COLLECT_TIME_LIMIT_MS, 'a worker').catch((error: unknown) =>
      logger.warn({ err: error }, 'metrics of a worker are missing from this scrape'),
    );
    collections.delete(id);
    return AggregatorRegistry.aggregate(answers).metrics();
  }

  cluster.on('message', (worker, message: unknown) => {
    if (isMessage(message, COLLECTED)) {
      const collection = collections.get(message.id);
      if (!collection) return;
      if (message.metrics) collection.answers.push(message.metrics);
      collection.expected -= 1;
      if (collection.expected === 0) collection.done();
    } else if (isMessage(message, REQUEST)) {
      collectAll().then(
        (text) => worker.send({ type: RESPONSE, id: message.id, text }),
        (error: unknown) => worker.send({ type: RESPONSE, id: message.id, error: String(error) }),
      );
    }
  });
}

/**
 * The metrics text GET /metrics serves: this process's own registry when it runs alone, else the
 * primary's merge of every worker (and this worker answers the primary's collection requests).
 */
export function clusterAwareMetrics(registry: Registry): () => Promise<string> {
  if (!cluster.isWorker) return () => registry.metrics();
  let nextRequest = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  process.on('message', (message: unknown) => {
    if (isMessage(message, COLLECT)) {
      registry.getMetricsAsJSON().then(
        (metrics) => process.send!({ type: COLLECTED, id: message.id, metrics }),
        () => process.send!({ type: COLLECTED, id: message.id, metrics: null }),
      );
    } else if (isMessage(message, RESPONSE)) {
      const request = pending.get(message.id);
      pending.delete(message.id);
      if (message.text !== undefined) request?.resolve(message.text);
      else request?.reject(new Error(message.error ?? 'the primary could not merge the metrics'));
    }
  });
  return () => {
    const id = nextRequest++;
    const answer = new Promise<string>((resolve, reject) => pending.set(id, { resolve, reject }));
    process.send!({ type: REQUEST, id });
    return withTimeLimit(answer, COLLECT_TIME_LIMIT_MS * 2, 'the cluster primary').finally(() => pending.delete(id));
  };
}
