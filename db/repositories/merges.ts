import type { Knex } from 'knex';
import { z } from 'zod';
import { allOf, query } from '../sql.js';
import { addPointsAndFlagDuplicates } from './suggestions.js';

/** A contact row as Postgres serialises it (`to_jsonb`), so timestamps keep their microseconds. */
const rowJson = z.looseObject({ id: z.uuid() });
type RowJson = z.infer<typeof rowJson>;
const ids = z.array(z.uuid());

/**
 * Everything undo needs to put each participant back exactly as it was. Stored as jsonb and read back
 * through this schema: undo moves rows by these ids, so a snapshot that is not this shape must stop it.
 */
const mergeSnapshotSchema = z.object({
  primary: z.object({
    before: rowJson,
    after: rowJson,
    tagIdsAdded: ids,
    pointsAdded: z.array(z.object({ kind: z.string(), value: z.string() })),
    suggestionsAdded: ids,
  }),
  secondaries: z.array(z.object({ before: rowJson, identityIds: ids, noteIds: ids, rehomedIds: ids })),
});
export type MergeSnapshot = z.infer<typeof mergeSnapshotSchema>;

export interface MergeRecord {
  id: string;
  primaryId: string;
  secondaryIds: string[];
  mergedBy: string | null;
  mergedAt: string;
  undoneBy: string | null;
  undoneAt: string | null;
}

/** Columns of the primary that undo puts back, when they still hold the value the merge gave them. */
const PRIMARY_RESTORED = ['display_name', 'name_generated', 'first_name', 'last_name', 'email', 'phone', 'avatar_url',
  'country', 'language', 'timezone', 'assignee', 'lifecycle_stage', 'email_subscription', 'custom_fields', 'created_at',
  'updated_at'] as const;
/** Columns of a secondary that undo restores outright: nobody can change a merged-away contact. */
const SECONDARY_RESTORED = [...PRIMARY_RESTORED, 'blocked_at'] as const;

export async function snapshotRows(trx: Knex.Transaction, ids: string[]): Promise<Map<string, RowJson>> {
  const rows = await query<{ row: RowJson }>(trx, 'SELECT to_jsonb(c) AS row FROM contacts c WHERE c.id = ANY(?::uuid[])', [ids]);
  return new Map(rows.map(({ row }) => [row.id, row]));
}

export interface PrimaryUpdate {
  fields: Record<string, string | boolean | null>;
  customFields: Record<string, unknown>;
}

/**
 * Moves everything of the secondaries onto the primary and hides them. The caller holds row locks on all
 * participants; this writes, in order: primary fields, tags, notes, identities with their interactions,
 * contact points (flagging the primary's new duplicates), and finally marks the secondaries merged.
 */
export async function applyMerge(trx: Knex.Transaction, input: { id: string; primaryId: string; secondaryIds: string[];
  update: PrimaryUpdate; mergedBy: string; at: Date }): Promise<MergeSnapshot> {
  const { primaryId, secondaryIds, at } = input;
  const all = [primaryId, ...secondaryIds];
  const before = await snapshotRows(trx, all);
  const columns = Object.keys(input.update.fields);
  await query(trx,
    `UPDATE contacts SET ${columns.map((column) => `${column} = ?`).join(', ')}, custom_fields = ?::jsonb,
       created_at = (SELECT min(created_at) FROM contacts WHERE id = ANY(?::uuid[])),
       last_interaction_at = (SELECT max(last_interaction_at) FROM contacts WHERE id = ANY(?::uuid[])),
       updated_at = ?
     WHERE id = ?`,
    [...columns.map((column) => input.update.fields[column]!), JSON.stringify(input.update.customFields), all, all, at, primaryId]);

  const tags = await query<{ tag_id: string }>(trx,
    `INSERT INTO contact_tags (contact_id, tag_id, created_at)
     SELECT DISTINCT ON (tag_id) ?::uuid, tag_id, ?::timestamptz FROM contact_tags WHERE contact_id = ANY(?::uuid[])
     ORDER BY tag_id
     ON CONFLICT DO NOTHING RETURNING tag_id`, [primaryId, at, secondaryIds]);
  const notes = await moveRows(trx, 'notes', 'contact_id', primaryId, secondaryIds);
  const identities = await moveRows(trx, 'contact_identities', 'contact_id', primaryId, secondaryIds);
  await query(trx, 'UPDATE interactions SET contact_id = ? WHERE contact_id = ANY(?::uuid[])', [primaryId, secondaryIds]);
  await query(trx, 'UPDATE contacts SET merged_into = ? WHERE id = ANY(?::uuid[])', [primaryId, secondaryIds]);
  const rehomed = await moveRows(trx, 'contacts', 'merged_into', primaryId, secondaryIds);

  const points = await query<{ kind: 'email' | 'phone'; value: string; source: 'identity' | 'profile' | 'manual' }>(trx,
    `SELECT DISTINCT ON (kind, value) kind, value, source FROM contact_points
      WHERE contact_id = ANY(?::uuid[])
        AND (kind, value) NOT IN (SELECT kind, value FROM contact_points WHERE contact_id = ?)
      ORDER BY kind, value, created_at`, [secondaryIds, primaryId]);
  const flagged = await addPointsAndFlagDuplicates(trx,
    points.map((point) => ({ ...point, contactId: primaryId, envelopeId: null })), at);

  const after = await snapshotRows(trx, [primaryId]);
  return {
    primary: {
      before: before.get(primaryId)!,
      after: after.get(primaryId)!,
      tagIdsAdded: tags.map((row) => row.tag_id),
      pointsAdded: points.map(({ kind, value }) => ({ kind, value })),
      suggestionsAdded: flagged.map((flag) => flag.id),
    },
    secondaries: secondaryIds.map((id) => ({
      before: before.get(id)!,
      identityIds: identities.filter((row) => row.from === id).map((row) => row.id),
      noteIds: notes.filter((row) => row.from === id).map((row) => row.id),
      rehomedIds: rehomed.filter((row) => row.from === id).map((row) => row.id),
    })),
  };
}

/** Reverses `applyMerge`; interactions that came in through a secondary's identity since go back with it. */
export async function applyUndo(trx: Knex.Transaction, merge: { primaryId: string; snapshot: MergeSnapshot }): Promise<void> {
  const { primaryId, snapshot } = merge;
  for (const secondary of snapshot.secondaries) {
    const id = secondary.before.id;
    await query(trx,
      `UPDATE contacts c SET ${SECONDARY_RESTORED.map((column) => `${column} = b.${column}`).join(', ')}, merged_into = NULL,
         last_interaction_at = GREATEST(b.last_interaction_at,
           (SELECT max(last_inbound_at) FROM interactions WHERE identity_id = ANY(?::uuid[])))
        FROM jsonb_populate_record(NULL::contacts, ?::jsonb) b
       WHERE c.id = b.id`, [secondary.identityIds, JSON.stringify(secondary.before)]);
    await query(trx, 'UPDATE contact_identities SET contact_id = ? WHERE id = ANY(?::uuid[])', [id, secondary.identityIds]);
    await query(trx, 'UPDATE interactions SET contact_id = ? WHERE identity_id = ANY(?::uuid[])', [id, secondary.identityIds]);
    await query(trx, 'UPDATE notes SET contact_id = ? WHERE id = ANY(?::uuid[])', [id, secondary.noteIds]);
    await query(trx, 'UPDATE contacts SET merged_into = ? WHERE id = ANY(?::uuid[])', [id, secondary.rehomedIds]);
  }
  const { primary } = snapshot;
  await query(trx, 'DELETE FROM contact_tags WHERE contact_id = ? AND tag_id = ANY(?::uuid[])', [primaryId, primary.tagIdsAdded]);
  await query(trx,
    `DELETE FROM contact_points WHERE contact_id = ?
        AND (kind, value) IN (SELECT * FROM unnest(?::text[], ?::text[]))`,
    [primaryId, primary.pointsAdded.map((p) => p.kind), primary.pointsAdded.map((p) => p.value)]);
  await query(trx, "DELETE FROM duplicate_suggestions WHERE id = ANY(?::uuid[]) AND status = 'open'", [primary.suggestionsAdded]);
  await query(trx,
    `UPDATE contacts c SET
       ${PRIMARY_RESTORED.map((column) => `${column} = CASE WHEN c.${column} IS NOT DISTINCT FROM a.${column} THEN b.${column} ELSE c.${column} END`).join(',\n       ')},
       last_interaction_at = GREATEST(b.last_interaction_at,
         (SELECT max(last_inbound_at) FROM interactions WHERE contact_id = c.id))
      FROM jsonb_populate_record(NULL::contacts, ?::jsonb) b, jsonb_populate_record(NULL::contacts, ?::jsonb) a
     WHERE c.id = b.id`, [JSON.stringify(primary.before), JSON.stringify(primary.after)]);
}

/** Re-points rows from any of `from` to `to`, returning each moved row with where it came from. */
async function moveRows(trx: Knex.Transaction, table: 'notes' | 'contact_identities' | 'contacts', column: string,
  to: string, from: string[]): Promise<{ id: string; from: string }[]> {
  return query<{ id: string; from: string }>(trx,
    `UPDATE ${table} moved SET ${column} = ?
       FROM ${table} old
      WHERE old.id = moved.id AND old.${column} = ANY(?::uuid[])
      RETURNING moved.id, old.${column} AS from`, [to, from]);
}

export async function insertMerge(trx: Knex.Transaction, merge: { id: string; primaryId: string; secondaryIds: string[];
  snapshot: MergeSnapshot; mergedBy: string; at: Date }): Promise<void> {
  await query(trx,
    `INSERT INTO merges (id, primary_id, secondary_ids, snapshot, merged_by, merged_at)
     VALUES (?, ?, ?::uuid[], ?::jsonb, ?, ?)`,
    [merge.id, merge.primaryId, merge.secondaryIds, JSON.stringify(merge.snapshot), merge.mergedBy, merge.at]);
}

export async function lockMerge(trx: Knex.Transaction, id: string):
  Promise<(MergeRecord & { snapshot: MergeSnapshot }) | undefined> {
  const [row] = await query<MergeDbRow & { snapshot: unknown }>(trx,
    `SELECT ${MERGE_COLUMNS}, snapshot FROM merges WHERE id = ? FOR UPDATE`, [id]);
  return row && { ...toMergeRecord(row), snapshot: mergeSnapshotSchema.parse(row.snapshot) };
}

export async function markUndone(trx: Knex.Transaction, id: string, by: string, at: Date): Promise<void> {
  await query(trx, 'UPDATE merges SET undone_by = ?, undone_at = ? WHERE id = ?', [by, at, id]);
}

/** Newest first, each with its participants' names as they are now (a deleted participant has none). */
export async function listMerges(db: Knex, options: { before?: Date; limit: number }):
  Promise<(MergeRecord & { names: Record<string, string> })[]> {
  const before = allOf(options.before ? [{ text: 'merged_at < ?::timestamptz', params: [options.before] }] : []);
  const rows = await query<MergeDbRow & { names: Record<string, string> | null }>(db,
    `SELECT ${MERGE_COLUMNS}, (SELECT jsonb_object_agg(c.id, c.display_name) FROM contacts c
                                WHERE c.id = m.primary_id OR c.id = ANY(m.secondary_ids)) AS names
       FROM merges m WHERE ${before.text}
      ORDER BY merged_at DESC, id LIMIT ?`, [...before.params, options.limit]);
  return rows.map((row) => ({ ...toMergeRecord(row), names: row.names ?? {} }));
}

const MERGE_COLUMNS = 'id, primary_id, secondary_ids, merged_by, merged_at, undone_by, undone_at';
interface MergeDbRow {
  id: string;
  primary_id: string;
  secondary_ids: string[];
  merged_by: string | null;
  merged_at: Date;
  undone_by: string | null;
  undone_at: Date | null;
}

function toMergeRecord(row: MergeDbRow): MergeRecord {
  return { id: row.id, primaryId: row.primary_id, secondaryIds: row.secondary_ids, mergedBy: row.merged_by,
    mergedAt: row.merged_at.toISOString(), undoneBy: row.undone_by, undoneAt: row.undone_at?.toISOString() ?? null };
}
