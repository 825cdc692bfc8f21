import type { Knex } from 'knex';
import { query } from '../sql.js';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string | null;
  before?: unknown;
  after?: unknown;
}

export interface Actor {
  keyId: string;
  name: string;
}

export async function insertAuditEntries(trx: Knex.Transaction, actor: Actor, entries: AuditEntry[], at: Date): Promise<void> {
  if (entries.length === 0) return;
  await query(trx,
    `INSERT INTO audit_log (actor_key_id, actor_name, action, target_type, target_id, before, after, at)
     SELECT ?::uuid, ?, e.action, e.target_type, e.target_id, e.before, e.after, ?::timestamptz
       FROM unnest(?::text[], ?::text[], ?::text[], ?::jsonb[], ?::jsonb[]) WITH ORDINALITY
         AS e(action, target_type, target_id, before, after, n)
      ORDER BY e.n`,
    [actor.keyId, actor.name, at, entries.map((e) => e.action), entries.map((e) => e.targetType),
      entries.map((e) => e.targetId), entries.map((e) => json(e.before)), entries.map((e) => json(e.after))]);
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

export interface AuditRecord extends AuditEntry {
  id: string;
  actor: { keyId: string | null; name: string };
  at: string;
}

/** Newest first; `before` is the id of the last entry of the previous page. */
export async function listAuditEntries(db: Knex, options: { before?: number; limit: number }): Promise<AuditRecord[]> {
  const rows = await query<{ id: number; actor_key_id: string | null; actor_name: string; action: string; target_type: string;
    target_id: string | null; before: unknown; after: unknown; at: Date }>(db,
    `SELECT id, actor_key_id, actor_name, action, target_type, target_id, before, after, at FROM audit_log
      WHERE ?::bigint IS NULL OR id < ?::bigint ORDER BY id DESC LIMIT ?`,
    [options.before ?? null, options.before ?? null, options.limit]);
  return rows.map((row) => ({
    id: String(row.id), actor: { keyId: row.actor_key_id, name: row.actor_name }, action: row.action,
    targetType: row.target_type, targetId: row.target_id, before: row.before, after: row.after, at: row.at.toISOString(),
  }));
}
