import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type PrometheusContentType, type Registry } from 'prom-client';
import { RateLimiterCluster, RateLimiterClusterMaster, RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../config/logger.js';

/**
 * A process that serves its port from several workers (node's cluster: the primary accepts connections and
 * hands them round-robin to the workers; one worker per core puts every core to work on a port Node alone
 * serves from one thread). The primary does no work of its own: it starts the workers, answers their
 * `/metrics` with every worker's summed, keeps the rate limits all of them share, replaces a worker that dies
 * once it had been serving, and on SIGTERM/SIGINT asks every worker to stop as a lone process would (stop
 * accepting, finish what is in hand) and exits 0 once they all did. A worker that fails before it serves
 * stops the whole process with 1, as a failed start-up does without workers.
 */

const STOP = 'tributary:stop';
/** A worker tells the primary it listens for STOP: one asked before that would never hear it. */
const JOINED = 'tributary:joined';
const METRICS = 'tributary:metrics';
/** More deaths than this within a minute is a crash loop: the process stops instead of restarting workers. */
const RESTARTS_PER_MINUTE = 5;

export function runPrimary(options: { workers: number; logger: Logger; stopTimeoutMs: number }): void {
  const { logger } = options;
  const aggregator = new AggregatorRegistry<PrometheusContentType>();
  new RateLimiterClusterMaster();
  const joined = new Set<number>();
  const serving = new Set<number>();
  const restarts: number[] = [];
  let stopping = false;
  let failed = false;

  const start = () => {
    const worker = cluster.fork();
    worker.on('message', (message: unknown) => {
      if (isMessage(message, METRICS)) void answerMetrics(aggregator, message.id, worker);
      if (!isMessage(message, JOINED)) return;
      joined.add(worker.id);
      if (stopping) tell(worker, { type: STOP });
    });
  };
  cluster.on('listening', (listening) => {
    serving.add(listening.id);
    logger.info({ worker: listening.process.pid }, 'worker serving');
  });
  cluster.on('exit', (dead, code, signal) => {
    if (stopping) {
      failed ||= code !== 0;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while (restarts[0]! < now - 60_000) restarts.shift();
    if (!serving.has(dead.id) || restarts.length > RESTARTS_PER_MINUTE) {
      logger.fatal({ worker: dead.process.pid, code, signal }, serving.has(dead.id)
        ? 'workers keep dying; stopping' : 'a worker failed to start; stopping');
      stopAll(true);
      return;
    }
    logger.error({ worker: dead.process.pid, code, signal }, 'a worker died; starting another');
    start();
  });

  /** Asks every worker to stop; called again (a second signal, or the workers late), kills them and exits 1. */
  function stopAll(failure = false) {
    if (stopping) {
      for (const running of Object.values(cluster.workers ?? {})) running?.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    failed = failure;
    setTimeout(() => {
      logger.error('workers did not stop in time');
      stopAll();
    }, options.stopTimeoutMs).unref();
    const running = Object.values(cluster.workers ?? {});
    if (running.length === 0) process.exit(failed ? 1 : 0);
    for (const each of running) if (each && joined.has(each.id)) tell(each, { type: STOP });
  }
  process.on('SIGTERM', () => stopAll());
  process.on('SIGINT', () => stopAll());
  for (let i = 0; i < options.workers; i++) start();
  logger.info({ workers: options.workers }, 'starting workers');
}

async function answerMetrics(aggregator: AggregatorRegistry<PrometheusContentType>, id: unknown, worker: Worker): Promise<void> {
  const answer = await aggregator.clusterMetrics().then((text) => ({ text }), (error: Error) => ({ error: error.message }));
  tell(worker, { type: METRICS, id, ...answer });
}

/**
 * A message to a worker, or from a worker to the primary, that may find the channel closing (the worker is
 * exiting): with a callback, node hands that error to it instead of throwing it as an unhandled 'error'.
 */
function tell(to: Worker | NodeJS.Process, message: object): void {
  const ignore = () => {};
  if ('isConnected' in to) {
    if (to.isConnected()) to.send(message, undefined, ignore);
  } else if (to.connected) {
    to.send!(message, undefined, undefined, ignore);
  }
}

/**
 * In a worker: what the primary asks of it. `stop` when the primary is asked to stop or is gone (its IPC channel
 * closed: the workers must not outlive it), and this worker's registry is the one the primary sums.
 */
export function joinPrimary(registry: Registry, stop: () => void): void {
  // Constructing one is what makes prom-client answer the primary's requests for this worker's metrics.
  new AggregatorRegistry<PrometheusContentType>();
  AggregatorRegistry.setRegistries([registry]);
  process.on('message', (message: unknown) => {
    if (isMessage(message, STOP)) stop();
  });
  process.on('disconnect', stop);
  tell(process, { type: JOINED });
}

/**
 * A limit of `points` a minute per key for the whole process: in a cluster worker the primary keeps the counts
 * (`RateLimiterClusterMaster` in `runPrimary`), so a client is not allowed once per worker.
 */
export function perMinuteLimiter(name: string, points: number): RateLimiterAbstract {
  const options = { keyPrefix: name, points, duration: 60 };
  return cluster.isWorker ? new RateLimiterCluster({ ...options, timeoutMs: 1_000 }) : new RateLimiterMemory(options);
}

/** In a worker: every worker's metrics, summed by the primary (counters and histograms add up). */
export function clusterMetrics(timeoutMs = 5_000): Promise<string> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new Error('the primary did not answer for the metrics'))), timeoutMs);
    const onMessage = (message: unknown) => {
      if (!isMessage(message, METRICS) || message.id !== id) return;
      finish(() => (typeof message.text === 'string' ? resolve(message.text) : reject(new Error(String(message.error)))));
    };
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      process.off('message', onMessage);
      settle();
    };
    process.on('message', onMessage);
    tell(process, { type: METRICS, id });
  });
}

function isMessage(message: unknown, type: string): message is { type: string; id?: string; text?: unknown; error?: unknown } {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}
