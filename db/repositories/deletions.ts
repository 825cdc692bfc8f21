import type { Knex } from 'knex';
import { query, type SqlFragment } from '../sql.js';

export interface ContactToDelete {
  id: string;
  name: string;
  /** Contacts merged into this one: part of it, so they go with it. */
  merged: string[];
}

/** Locks the contacts (not merged-away ones) about to be deleted, in id order. */
export async function lockForDeletion(trx: Knex.Transaction, ids: string[]): Promise<ContactToDelete[]> {
  if (ids.length === 0) return [];
  return query<ContactToDelete>(trx,
    `SELECT c.id, c.display_name AS name, ARRAY(SELECT m.id FROM contacts m WHERE m.merged_into = c.id ORDER BY m.id) AS merged
       FROM contacts c WHERE c.id = ANY(?::uuid[]) AND c.status <> 'merged' ORDER BY c.id FOR UPDATE`, [ids]);
}

/** Deletes the contacts and those merged into them; identities, points, notes and tags go by cascade. */
export async function deleteContactRows(trx: Knex.Transaction, ids: string[]): Promise<void> {
  await query(trx, 'DELETE FROM contacts WHERE merged_into = ANY(?::uuid[])', [ids]);
  await query(trx, 'DELETE FROM contacts WHERE id = ANY(?::uuid[])', [ids]);
}

/** The next `limit` contacts, in id order, that match `where` and existed at `createdUpTo`. */
export async function nextMatchingIds(trx: Knex.Transaction, where: SqlFragment, createdUpTo: Date, limit: number): Promise<string[]> {
  const rows = await query<{ id: string }>(trx,
    `SELECT c.id FROM contacts c WHERE c.status <> 'merged' AND c.created_at <= ? AND (${where.text})
      ORDER BY c.id LIMIT ?`, [createdUpTo, ...where.params, limit]);
  return rows.map((row) => row.id);
}

export async function countMatching(db: Knex | Knex.Transaction, where: SqlFragment): Promise<number> {
  const [row] = await query<{ total: number }>(db,
    `SELECT count(*)::int AS total FROM contacts c WHERE c.status <> 'merged' AND (${where.text})`, where.params);
  return row?.total ?? 0;
}
