import type { Knex } from 'knex';
import { query } from '../sql.js';

export interface ViewJson {
  id: string;
  name: string;
  public: boolean;
  filter: { conditions: unknown[]; match: string; sort?: string };
  ownerKeyId: string;
  createdAt: string;
}

interface ViewRow {
  id: string;
  name: string;
  public: boolean;
  filter: ViewJson['filter'];
  owner_key_id: string;
  created_at: Date;
}

const toView = (row: ViewRow): ViewJson => ({ id: row.id, name: row.name, public: row.public, filter: row.filter,
  ownerKeyId: row.owner_key_id, createdAt: row.created_at.toISOString() });

export async function createView(trx: Knex.Transaction, view: Omit<ViewJson, 'id' | 'createdAt'>, at: Date): Promise<ViewJson> {
  const [row] = await query<ViewRow>(trx,
    `INSERT INTO views (name, public, filter, owner_key_id, created_at) VALUES (?, ?, ?::jsonb, ?, ?)
     RETURNING id, name, public, filter, owner_key_id, created_at`,
    [view.name, view.public, JSON.stringify(view.filter), view.ownerKeyId, at]);
  return toView(row!);
}

/** Public views, and the private ones of `keyId`: nobody else sees a private view. */
export async function listVisibleViews(db: Knex, keyId: string): Promise<ViewJson[]> {
  const rows = await query<ViewRow>(db,
    `SELECT id, name, public, filter, owner_key_id, created_at FROM views
      WHERE public OR owner_key_id = ? ORDER BY lower(name), id`, [keyId]);
  return rows.map(toView);
}

export async function findVisibleView(db: Knex | Knex.Transaction, id: string, keyId: string): Promise<ViewJson | undefined> {
  const [row] = await query<ViewRow>(db,
    `SELECT id, name, public, filter, owner_key_id, created_at FROM views WHERE id = ? AND (public OR owner_key_id = ?)`,
    [id, keyId]);
  return row && toView(row);
}

export async function deleteView(trx: Knex.Transaction, id: string): Promise<void> {
  await query(trx, 'DELETE FROM views WHERE id = ?', [id]);
}
