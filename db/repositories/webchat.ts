import type { Knex } from 'knex';
import { query } from '../sql.js';

export interface WebchatSiteRow {
  id: string;
  name: string;
  allowed_origins: string[];
  prechat_fields: string[];
  greeting: string | null;
  identity_secret: string;
  created_at: Date;
  updated_at: Date;
}

export interface WebchatSiteWrite {
  name: string;
  allowedOrigins: string[];
  prechatFields: string[];
  greeting: string | null;
}

const SITE_COLUMNS = 'id, name, allowed_origins, prechat_fields, greeting, identity_secret, created_at, updated_at';

export async function findSite(db: Knex | Knex.Transaction, id: string): Promise<WebchatSiteRow | undefined> {
  const [row] = await query<WebchatSiteRow>(db, `SELECT ${SITE_COLUMNS} FROM webchat_sites WHERE id = ?`, [id]);
  return row;
}

export async function listSites(db: Knex): Promise<WebchatSiteRow[]> {
  return query<WebchatSiteRow>(db, `SELECT ${SITE_COLUMNS} FROM webchat_sites ORDER BY id`, []);
}

/** Creates a site; undefined when one with that id exists (`ifMissing` makes that not an error). */
export async function insertSite(db: Knex | Knex.Transaction, id: string, site: WebchatSiteWrite, identitySecret: string, at: Date):
  Promise<WebchatSiteRow | undefined> {
  const [row] = await query<WebchatSiteRow>(db,
    `INSERT INTO webchat_sites (id, name, allowed_origins, prechat_fields, greeting, identity_secret, created_at, updated_at)
     VALUES (?, ?, ?::text[], ?::text[], ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING ${SITE_COLUMNS}`,
    [id, site.name, site.allowedOrigins, site.prechatFields, site.greeting, identitySecret, at, at]);
  return row;
}

export async function updateSite(trx: Knex.Transaction, id: string, site: WebchatSiteWrite, at: Date): Promise<WebchatSiteRow | undefined> {
  const [row] = await query<WebchatSiteRow>(trx,
    `UPDATE webchat_sites SET name = ?, allowed_origins = ?::text[], prechat_fields = ?::text[], greeting = ?, updated_at = ?
      WHERE id = ? RETURNING ${SITE_COLUMNS}`,
    [site.name, site.allowedOrigins, site.prechatFields, site.greeting, at, id]);
  return row;
}

export async function deleteSite(trx: Knex.Transaction, id: string): Promise<boolean> {
  return (await query<{ id: string }>(trx, 'DELETE FROM webchat_sites WHERE id = ? RETURNING id', [id])).length === 1;
}

export interface VisitorRow {
  id: string;
  site_id: string;
  identifier: string | null;
  /** jsonb: read back through a schema by its user. */
  profile: unknown;
}

export async function findVisitor(db: Knex, id: string): Promise<VisitorRow | undefined> {
  const [row] = await query<VisitorRow>(db, 'SELECT id, site_id, identifier, profile FROM webchat_visitors WHERE id = ?', [id]);
  return row;
}

export async function upsertVisitor(db: Knex, visitor: { id: string; siteId: string; identifier: string | null; profile: object }, at: Date):
  Promise<void> {
  await query(db,
    `INSERT INTO webchat_visitors (id, site_id, identifier, profile, created_at, last_seen_at) VALUES (?, ?, ?, ?::jsonb, ?, ?)
     ON CONFLICT (id) DO UPDATE SET identifier = EXCLUDED.identifier, profile = EXCLUDED.profile, last_seen_at = EXCLUDED.last_seen_at`,
    [visitor.id, visitor.siteId, visitor.identifier, JSON.stringify(visitor.profile), at, at]);
}
