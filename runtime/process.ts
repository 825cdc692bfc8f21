import cluster from 'node:cluster';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { createLogger, type Logger } from '../config/logger.js';
import { joinPrimary, runPrimary } from './cluster.js';
import { json, opsHandler } from './ops.js';
import type { ReadinessChecks } from './readiness.js';

/** How long requests in flight may take to finish once SIGTERM arrived. */
const IN_FLIGHT_GRACE_MS = 10_000;

/** What a process is handed when it starts. */
export interface ProcessContext {
  config: Readonly<Config>;
  logger: Logger;
  /** The process's Prometheus registry, served at `/metrics`, already collecting Node's default metrics. */
  registry: Registry;
}

/** A started process: what `/readyz` checks, how it stops, and any HTTP of its own. */
export interface RunningProcess {
  readiness: ReadinessChecks;
  /** More to show on `/readyz`, e.g. each stream connector's state. */
  details?: () => Record<string, unknown>;
  /**
   * HTTP of the process's own on its port (the gateway's app), which serves the ops endpoints itself through
   * `opsHandler`. Without one, the port serves only `/healthz`, `/readyz` and `/metrics`.
   */
  handler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Called as the port stops accepting: end responses that would stay open for good (event streams). */
  closing?: () => void;
  /** Stop taking work, finish and commit what is in hand, release connections. */
  stop(): Promise<void>;
}

export interface ProcessDefinition {
  /** `gateway`, `resolver`, `telegram`…: the logger's name and the prefix of the default metrics. */
  name: string;
  /** Where `/healthz`, `/readyz` and `/metrics` (and the process's own HTTP, if any) are served. */
  address(config: Readonly<Config>): { host: string; port: number };
  start(context: ProcessContext): Promise<RunningProcess>;
  /**
   * How many workers serve the port (the gateway's `WEB_CONCURRENCY`). More than one makes this process the
   * primary of a node cluster (`runtime/cluster.ts`) and runs `start` in each worker.
   */
  workers?(config: Readonly<Config>): number;
}

/**
 * The one way a long-running process runs: configuration loaded (a bad setting stops it with a sentence naming
 * the variable), a logger, a metrics registry, the ops endpoints on the process's port, and SIGTERM/SIGINT
 * handled once — stop accepting, stop the process (flush, commit), exit 0. A second signal, or a stop that
 * hangs past `stopTimeoutMs`, exits at once with 1.
 */
export async function runProcess(definition: ProcessDefinition, options: { env?: NodeJS.ProcessEnv; stopTimeoutMs?: number } = {}):
  Promise<void> {
  let config: Readonly<Config>;
  try {
    config = loadConfig(options.env ?? process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${definition.name}: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel, definition.name);
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const workers = definition.workers?.(config) ?? 1;
  if (cluster.isPrimary && workers > 1) {
    runPrimary({ workers, logger, stopTimeoutMs });
    return;
  }
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  let signals = 0;
  const shutdown = async (signal: string) => {
    // A second signal means "now". A cluster primary's request to stop is not a signal: Ctrl-C reaches a worker
    // both ways, in either order.
    if (signal !== 'primary' && ++signals > 1) process.exit(1);
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, stopTimeoutMs).unref();
    try {
      await stop?.();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: `tributary_${definition.name}_` });
  if (cluster.isWorker) joinPrimary(registry, () => void shutdown('primary'));
  try {
    stop = await startProcess(definition, { config, logger, registry });
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }
}

/** Starts a process and its HTTP server; resolves with its `stop`. */
async function startProcess(definition: ProcessDefinition, context: ProcessContext): Promise<() => Promise<void>> {
  const { config, logger, registry } = context;
  const running = await definition.start(context);
  const ops = opsHandler({ readiness: running.readiness, registry, details: running.details });
  const notFound = (res: ServerResponse) => json(res, 404, { error: { code: 'not_found', message: 'no such endpoint' } });
  const server = createServer(running.handler ?? ((req, res) => ops(req, res, () => notFound(res))));
  const { host, port } = definition.address(config);
  await new Promise<void>((listening, fail) => server.once('error', fail).listen(port, host, listening));
  logger.info({ url: `http://${host}:${(server.address() as AddressInfo).port}` }, `${definition.name} listening`);
  return async () => {
    // Stop accepting, let requests in flight finish (a stream that does not is cut), then stop the work.
    const closed = new Promise<void>((done) => server.close(() => done()));
    server.closeIdleConnections();
    running.closing?.();
    const drained = await Promise.race([closed.then(() => true), sleep(IN_FLIGHT_GRACE_MS).then(() => false)]);
    if (!drained) server.closeAllConnections();
    await running.stop();
  };
}
