import type { Logger } from '../config/logger.js';
import type { Db } from '../db/client.js';
import { analyzeGrownTables, exclusively, pruneLedger } from '../db/repositories/maintenance.js';

export interface MaintenanceOptions {
  db: Db;
  logger: Logger;
  /** How long envelope ids are remembered: a delivery of the same id within this window is resolved once. */
  ledgerRetentionDays: number;
  /** How often to look at the tables' statistics. */
  analyzeEveryMs?: number;
  /** How often to prune the ledger. */
  pruneEveryMs?: number;
}

/**
 * What keeps the resolver's database fast as it grows, run beside the consumer: fresh statistics on the hot
 * tables (so plans follow a table that doubled within a minute), and a ledger bounded to its retention. One
 * resolver at a time does each (an advisory lock); the others skip the round.
 */
export function startMaintenance(options: MaintenanceOptions): { stop(): Promise<void> } {
  const log = options.logger.child({ module: 'maintenance' });
  let running: Promise<void> = Promise.resolve();
  let lastPrune = 0;
  const round = async () => {
    await exclusively(options.db, 'analyze', async () => {
      const analyzed = await analyzeGrownTables(options.db);
      if (analyzed.length > 0) log.debug({ tables: analyzed }, 'statistics refreshed');
    });
    if (Date.now() - lastPrune >= (options.pruneEveryMs ?? 3_600_000)) {
      lastPrune = Date.now();
      await exclusively(options.db, 'prune-ledger', async () => {
        const before = new Date(Date.now() - options.ledgerRetentionDays * 86_400_000);
        const deleted = await pruneLedger(options.db, before);
        if (deleted > 0) log.info({ deleted, before: before.toISOString() }, 'ledger pruned');
      });
    }
  };
  const timer = setInterval(() => {
    running = running.then(round).catch((error: unknown) => log.warn({ err: error }, 'maintenance round failed; trying again later'));
  }, options.analyzeEveryMs ?? 5_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
