import type { Knex } from 'knex';
import type { Db } from '../db/client.js';
import { isTransactionConflict } from '../db/errors.js';
import { insertAuditEntries, type Actor, type AuditEntry } from '../db/repositories/audit.js';
import { enqueueEvents, type ContactEvent } from '../db/repositories/outbox.js';
import type { EventRelay } from './event-relay.js';

export type { Actor } from '../db/repositories/audit.js';

/** The key id of changes no API key made (a background job of a deleted key, a web-chat visitor's own wish). */
export const NO_KEY = '00000000-0000-0000-0000-000000000000';

/** What a change sees: its transaction, who makes it, when, and where to record what it did. */
export interface ChangeContext {
  trx: Knex.Transaction;
  actor: Actor;
  now: Date;
  audit(entry: AuditEntry): void;
  emit(event: Omit<ContactEvent, 'at'>): void;
}

export type RunChange = <T>(actor: Actor, change: (ctx: ChangeContext) => Promise<T>) => Promise<T>;

/** What every part of the contacts module works with: the database, the change runner and the clock. */
export interface ContactsContext {
  db: Db;
  run: RunChange;
  clock: () => Date;
  /** How long one search statement may run before PostgreSQL cancels it. */
  searchTimeoutMs: number;
}

/**
 * Runs a change in one transaction together with its audit entries and its contact events (an outbox row
 * each), so a change, its record and its events exist together or not at all. A transaction that loses a
 * deadlock or serialisation race is run again; events are relayed once it commits.
 */
export function createChangeRunner(deps: { db: Db; events: EventRelay; clock: () => Date }): RunChange {
  return async (actor, change) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await deps.db.transaction(async (trx) => {
          const now = deps.clock();
          const audit: AuditEntry[] = [];
          const events: ContactEvent[] = [];
          const value = await change({
            trx, actor, now,
            audit: (entry) => void audit.push(entry),
            emit: (event) => void events.push({ ...event, at: now.toISOString() } as ContactEvent),
          });
          await insertAuditEntries(trx, actor, audit, now);
          await enqueueEvents(trx, events);
          return { value, hasEvents: events.length > 0 };
        });
        if (result.hasEvents) await deps.events.flush();
        return result.value;
      } catch (error) {
        if (attempt < 3 && isTransactionConflict(error)) continue;
        throw error;
      }
    }
  };
}
