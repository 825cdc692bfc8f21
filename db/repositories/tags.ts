import type { Knex } from 'knex';
import { query, type SqlParam } from '../sql.js';

/** Finds tags by name (case-insensitively), creating the missing ones. Returns their ids. */
export async function ensureTags(trx: Knex.Transaction, names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  await query(trx,
    `INSERT INTO tags (name) SELECT DISTINCT ON (lower(n)) n FROM unnest(?::text[]) AS n ORDER BY lower(n)
     ON CONFLICT ((lower(name))) DO NOTHING`, [names]);
  const rows = await query<{ id: string }>(trx,
    'SELECT id FROM tags WHERE lower(name) = ANY(SELECT lower(n) FROM unnest(?::text[]) AS n)', [names]);
  return rows.map((row) => row.id);
}

/**
 * Adds tags to contacts (live ones only). A contact that gained a tag counts as updated. Returns how many
 * links were new.
 */
export async function tagContacts(trx: Knex.Transaction, contactIds: string[], names: string[], at: Date): Promise<number> {
  const tagIds = await ensureTags(trx, names);
  if (tagIds.length === 0 || contactIds.length === 0) return 0;
  return countAndTouch(trx, at,
    `INSERT INTO contact_tags (contact_id, tag_id, created_at)
     SELECT c.id, t.id, ?::timestamptz FROM contacts c CROSS JOIN unnest(?::uuid[]) AS t(id)
      WHERE c.id = ANY(?::uuid[]) AND c.status <> 'merged'
      ORDER BY 1, 2
     ON CONFLICT DO NOTHING RETURNING contact_id`, [at, tagIds, contactIds]);
}

/** Removes tags from contacts (the tags themselves stay); a contact that lost one counts as updated. */
export async function untagContacts(trx: Knex.Transaction, contactIds: string[], names: string[], at: Date): Promise<number> {
  if (names.length === 0 || contactIds.length === 0) return 0;
  return countAndTouch(trx, at,
    `DELETE FROM contact_tags ct USING tags t
      WHERE t.id = ct.tag_id AND ct.contact_id = ANY(?::uuid[])
        AND lower(t.name) = ANY(SELECT lower(n) FROM unnest(?::text[]) AS n)
      RETURNING ct.contact_id`, [contactIds, names]);
}

/** Runs a link change returning `contact_id`s, moves those contacts' `updated_at`, and counts the links. */
async function countAndTouch(trx: Knex.Transaction, at: Date, change: string, params: SqlParam[]): Promise<number> {
  const [row] = await query<{ links: number }>(trx,
    `WITH changed AS (${change}),
          touched AS (UPDATE contacts SET updated_at = ? WHERE id IN (SELECT contact_id FROM changed))
     SELECT count(*)::int AS links FROM changed`, [...params, at]);
  return row?.links ?? 0;
}

/** Every tag with the number of live contacts carrying it. */
export async function listTags(db: Knex): Promise<{ id: string; name: string; contacts: number }[]> {
  return query(db,
    `SELECT t.id, t.name, count(c.id)::int AS contacts
       FROM tags t
       LEFT JOIN contact_tags ct ON ct.tag_id = t.id
       LEFT JOIN contacts c ON c.id = ct.contact_id AND c.status <> 'merged'
      GROUP BY t.id ORDER BY lower(t.name)`, []);
}

/** Finds or creates tags by name (case-insensitively): lower-cased name → tag id. */
export async function tagIdsByName(trx: Knex.Transaction, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  await ensureTags(trx, names);
  const rows = await query<{ id: string; name: string }>(trx,
    'SELECT id, lower(name) AS name FROM tags WHERE lower(name) = ANY(SELECT lower(n) FROM unnest(?::text[]) AS n)', [names]);
  return new Map(rows.map((row) => [row.name, row.id]));
}

/** Links contacts to tags, many pairs at once (new contacts: nothing to touch). */
export async function linkTags(trx: Knex.Transaction, links: { contactId: string; tagId: string }[], at: Date): Promise<void> {
  if (links.length === 0) return;
  await query(trx,
    `INSERT INTO contact_tags (contact_id, tag_id, created_at)
     SELECT l.contact_id, l.tag_id, ?::timestamptz FROM unnest(?::uuid[], ?::uuid[]) AS l(contact_id, tag_id)
     ON CONFLICT DO NOTHING`, [at, links.map((l) => l.contactId), links.map((l) => l.tagId)]);
}
