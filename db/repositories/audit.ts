import type { Knex } from 'knex';
import { allOf, query } from '../sql.js';

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

export interface AuditQuery {
  /** The id of the last entry of the previous page. */
  before?: number;
  limit: number;
  /** Only what this API key did. */
  actorKeyId?: string;
  /** Only this action, such as `contact.blocked`. */
  action?: string;
  /** Only what was done to this contact. */
  contactId?: string;
}

/** Newest first, narrowed by actor, action and contact when given. */
export async function listAuditEntries(db: Knex, options: AuditQuery): Promise<AuditRecord[]> {
  // Only the filters given, so each walks its own index (audit_log_actor, _action, _target) in id order.
  const where = allOf([
    ...(options.before !== undefined ? [{ text: 'id < ?', params: [options.before] }] : []),
    ...(options.actorKeyId ? [{ text: 'actor_key_id = ?', params: [options.actorKeyId] }] : []),
    ...(options.action ? [{ text: 'action = ?', params: [options.action] }] : []),
    ...(options.contactId ? [{ text: "target_type = 'contact' AND target_id = ?", params: [options.contactId] }] : []),
  ]);
  const rows = await query<{ id: number; actor_key_id: string | null; actor_name: string; action: string; target_type: string;
    target_id: string | null; before: unknown; after: unknown; at: Date }>(db,
    `SELECT id, actor_key_id, actor_name, action, target_type, target_id, before, after, at FROM audit_log
      WHERE ${where.text} ORDER BY id DESC LIMIT ?`, [...where.params, options.limit]);
  return rows.map((row) => ({
    id: String(row.id), actor: { keyId: row.actor_key_id, name: row.actor_name }, action: row.action,
    targetType: row.target_type, targetId: row.target_id, before: row.before, after: row.after, at: row.at.toISOString(),
  }));
}
