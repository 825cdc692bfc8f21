import { randomBytes } from 'node:crypto';
import { createLogger } from '../config/logger.js';
import type { Envelope } from '../connectors/envelope.js';
import { createDb, dropDatabase, ensureDatabase, type Db } from '../db/client.js';
import { migrateLatest } from '../db/migrate.js';
import { onStatement, statementName } from '../db/sql.js';
import { resolveBatch } from '../resolvers/identity/resolve.js';
import { startMaintenance } from '../resolvers/maintenance.js';

export interface StatementTiming {
  /** The name the statement carries in its leading comment (`ledger.find`), or its first words. */
  statement: string;
  /** Milliseconds per batch, and how many times it ran per batch. */
  msPerBatch: number;
  perBatch: number;
}

export interface ReferenceRun {
  batch: number;
  perSecond: number;
  /** CPU of this (Node) process per message: the resolver's JavaScript without Kafka. */
  nodeCpuMicrosPerMessage: number;
  statements: StatementTiming[];
}

/**
 * The database's share alone: the resolver's own `resolveBatch` over the same envelopes, in this process, on
 * one connection, without Kafka, on a fresh database per batch size (with the same existing identities).
 * What the drain would reach if Kafka and the resolver's JavaScript around it cost nothing.
 */
export async function databaseReference(options: { serverUrl: string; envelopes: (n: number) => Envelope[]; existing: Envelope[];
  batchSizes: number[]; n: number }): Promise<ReferenceRun[]> {
  const runs: ReferenceRun[] = [];
  for (const batch of options.batchSizes) {
    const url = `${options.serverUrl}/tributary_bench_ref_${randomBytes(4).toString('hex')}`;
    await ensureDatabase(url);
    const db = createDb({ url, poolMax: 2 }); // resolveBatch runs on one; the maintenance beside it on the other
    try {
      await migrateLatest(db);
      await resolveAll(db, options.existing, 1_000);
      await db.raw('ANALYZE');
      const timings = timeStatements(db);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const batches = await resolveAll(db, options.envelopes(options.n), batch);
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      runs.push({ batch, perSecond: options.n / seconds, nodeCpuMicrosPerMessage: (used.user + used.system) / options.n,
        statements: timings.report(batches) });
    } finally {
      await db.destroy();
      await dropDatabase(url);
    }
  }
  return runs;
}

/**
 * Resolves `envelopes` `batch` at a time beside the resolver's own maintenance, as the resolver runs: without it
 * a table that was empty at the last ANALYZE (contact points) is planned as empty, and each duplicate look-up
 * scans it whole (at 50 per batch that was 19 of 30 ms).
 */
async function resolveAll(db: Db, envelopes: Envelope[], batch: number): Promise<number> {
  const maintenance = startMaintenance({ db, logger: createLogger('warn', 'bench'), ledgerRetentionDays: 30 });
  let batches = 0;
  try {
    for (let start = 0; start < envelopes.length; start += batch, batches++) {
      await resolveBatch(db, envelopes.slice(start, start + batch).map((envelope, i) => ({ envelope,
        source: { topic: 'bench', partition: 0, offset: String(start + i) } })), new Date());
    }
  } finally {
    await maintenance.stop();
  }
  return batches;
}

/** Times every statement of the resolver's transactions, grouped by the statement's name. */
function timeStatements(db: Db) {
  const totals = new Map<string, { ms: number; count: number }>();
  onStatement(db, (sql, ms) => {
    const name = statementName(sql);
    const total = totals.get(name) ?? { ms: 0, count: 0 };
    total.ms += ms;
    total.count++;
    totals.set(name, total);
  });
  return {
    report: (batches: number): StatementTiming[] => [...totals].map(([statement, total]) => ({ statement,
      msPerBatch: Number((total.ms / batches).toFixed(2)), perBatch: Number((total.count / batches).toFixed(2)) }))
      .sort((a, b) => b.msPerBatch - a.msPerBatch),
  };
}
