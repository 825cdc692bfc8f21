import type { Logger } from './logger.js';

/**
 * Runs a long-lived process: `start` returns its `stop`. SIGTERM or SIGINT calls `stop` once (stop
 * accepting, flush, commit) and exits 0; a second signal, or a stop that hangs, exits at once.
 */
export async function runProcess(logger: Logger, start: () => Promise<() => Promise<void>>, stopTimeoutMs = 30_000) {
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) process.exit(1);
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
  try {
    stop = await start();
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    process.exit(1);
  }
}
