import type { Knex } from 'knex';
import { query, withCtes, type Cte, type Transaction } from '../sql.js';
import type { PointKind } from '../../identity/channels.js';
import type { ContactPoint } from '../../identity/keys.js';
import { equivalenceReason } from '../../identity/normalise/mailbox.js';
import { pointMailbox } from '../../identity/points.js';

export interface ContactPointRow extends ContactPoint {
  contactId: string;
  envelopeId: string | null;
}

export interface FlaggedDuplicate {
  id: string;
  contactA: string;
  contactB: string;
  field: 'email' | 'phone';
  value: string;
  /** The message whose contact point raised it. */
  envelopeId: string | null;
  /** `same phone +4915…`, or the provider rule that makes two spellings one mailbox. */
  reason: string;
}

/** A contact point a statement just added (`pointCtes`), as the flagging statement takes it. */
export interface AddedPoint {
  contact_id: string;
  kind: PointKind;
  value: string;
  mailbox: string | null;
  envelope_id: string | null;
}

/**
 * Records contact points and flags every other live, non-blocked contact that holds one of the new ones (or,
 * for an email, another spelling of the same provider mailbox), unless a person dismissed that pair.
 * Points must be comparable (identity/points.ts: no junk), as the resolver's are by construction and entered
 * ones are through `enteredPoints`; the business's own addresses are left out here, where the table is.
 */
export async function addPointsAndFlagDuplicates(trx: Knex.Transaction, points: ContactPointRow[], at: Date):
  Promise<FlaggedDuplicate[]> {
  if (points.length === 0) return [];
  const { text, params } = withCtes('points.add', pointCtes(points, at));
  const [row] = await query<{ added: AddedPoint[] }>(trx, text, params);
  return flagDuplicates(trx, row!.added, at);
}

/**
 * Adds contact points, as parts of a statement that returns `added`, the ones that were new, as json. Points are locked
 * by value first (advisory locks, held to the end of the transaction) so that two resolvers adding the same phone
 * to two contacts at once still see each other in `flagDuplicates`, which must run as a later statement: otherwise
 * each would miss the other's uncommitted row. None without points.
 */
export function pointCtes(points: ContactPointRow[], at: Date): Cte[] {
  if (points.length === 0) return [];
  const mailboxes = points.map((p) => pointMailbox(p.kind, p.value));
  return [{
    name: 'point_locks',
    text: `SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) AS n
       FROM (SELECT DISTINCT unnest(?::text[]) AS k ORDER BY 1) locks`,
    params: [points.map((p, i) => `point:${p.kind}:${mailboxes[i]?.key ?? p.value}`)],
  }, {
    name: 'added_points',
    // The locks are taken once, before the first row is inserted (an InitPlan).
    text: `INSERT INTO contact_points (contact_id, kind, value, mailbox, source, envelope_id, created_at)
     SELECT p.*, ?::timestamptz
       FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::uuid[]) AS p(contact_id, kind, value, mailbox, source, envelope_id)
      WHERE (SELECT n FROM point_locks) IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM business_addresses b WHERE b.value = p.value)
     ON CONFLICT DO NOTHING
     RETURNING contact_id, kind, value, mailbox, envelope_id`,
    returns: { column: 'added', sql: "(SELECT coalesce(json_agg(a), '[]'::json) FROM added_points a)" },
    params: [at, points.map((p) => p.contactId), points.map((p) => p.kind), points.map((p) => p.value),
      mailboxes.map((m) => m?.key ?? null), points.map((p) => p.source), points.map((p) => p.envelopeId)],
  }];
}

/**
 * Flags every other live contact that holds one of the points just added (see `pointCtes`). A separate
 * statement from the one that added them, so it sees them: two new contacts of one batch find each other.
 */
export async function flagDuplicates(trx: Transaction, added: AddedPoint[], at: Date): Promise<FlaggedDuplicate[]> {
  if (added.length === 0) return [];
  // LATERAL with OFFSET 0 keeps each look-up on an index ((kind, value) or (kind, mailbox)) instead of
  // hash-joining every live contact's points (which it did on stale statistics, at half of a batch's time).
  // An exact match wins over a mailbox match for the same pair.
  const rows = await query<FlaggedRow>(trx,
    `/* suggestions.flag */ INSERT INTO duplicate_suggestions (contact_a, contact_b, field, value, rule, other_value, flagged_by_envelope, created_at)
     SELECT DISTINCT ON (1, 2, 3, 4)
            LEAST(a.contact_id, o.contact_id), GREATEST(a.contact_id, o.contact_id), a.kind, a.value,
            CASE WHEN o.value = a.value THEN NULL ELSE a.rule END, NULLIF(o.value, a.value), a.envelope_id, ?::timestamptz
       FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::uuid[]) AS a(contact_id, kind, value, mailbox, rule, envelope_id)
       CROSS JOIN LATERAL (
         SELECT cp.contact_id, cp.value FROM contact_points cp
           JOIN contacts other ON other.id = cp.contact_id AND other.status = 'live'
          WHERE cp.kind = a.kind AND cp.value = a.value AND cp.contact_id <> a.contact_id
         UNION ALL
         SELECT cp.contact_id, cp.value FROM contact_points cp
           JOIN contacts other ON other.id = cp.contact_id AND other.status = 'live'
          WHERE a.mailbox IS NOT NULL AND cp.kind = a.kind AND cp.mailbox = a.mailbox AND cp.value <> a.value
            AND cp.contact_id <> a.contact_id
         OFFSET 0
       ) o
      WHERE NOT EXISTS (SELECT 1 FROM duplicate_dismissals d
                         WHERE d.contact_a = LEAST(a.contact_id, o.contact_id) AND d.contact_b = GREATEST(a.contact_id, o.contact_id))
      ORDER BY 1, 2, 3, 4, (o.value <> a.value)
     ON CONFLICT DO NOTHING
     RETURNING id, contact_a, contact_b, field, value, rule, other_value, flagged_by_envelope`,
    [at, added.map((p) => p.contact_id), added.map((p) => p.kind), added.map((p) => p.value), added.map((p) => p.mailbox),
      added.map((p) => pointMailbox(p.kind, p.value)?.rule ?? null), added.map((p) => p.envelope_id)],
  );
  return rows.map(toFlagged);
}

/** Suggestions a replayed batch flagged the first time, so its events can be published again. */
export async function findFlaggedBy(trx: Transaction, envelopeIds: string[]): Promise<FlaggedDuplicate[]> {
  if (envelopeIds.length === 0) return [];
  const rows = await query<FlaggedRow>(trx,
    `/* suggestions.replayed */ SELECT id, contact_a, contact_b, field, value, rule, other_value, flagged_by_envelope FROM duplicate_suggestions
      WHERE flagged_by_envelope = ANY(?::uuid[]) ORDER BY created_at, id`,
    [envelopeIds],
  );
  return rows.map(toFlagged);
}

const toFlagged = (r: FlaggedRow): FlaggedDuplicate => ({ id: r.id, contactA: r.contact_a, contactB: r.contact_b,
  field: r.field, value: r.value, envelopeId: r.flagged_by_envelope, reason: suggestionReason(r) });

/** Why two contacts are suggested: `same phone +4915…`, or `same Gmail mailbox: j.smith+shop@ vs jsmith@`. */
export function suggestionReason(r: { field: string; value: string; rule: string | null; other_value: string | null }): string {
  return r.rule && r.other_value ? equivalenceReason(r.rule, r.value, r.other_value) : `same ${r.field} ${r.value}`;
}

/** Open suggestions per contact, counting only partners that are neither blocked nor merged away. */
export async function countOpenDuplicates(trx: Knex.Transaction, contactIds: string[]): Promise<Map<string, number>> {
  if (contactIds.length === 0) return new Map();
  const rows = await query<{ id: string; n: number }>(trx,
    `SELECT c.id, count(DISTINCT other.id)::int AS n
       FROM unnest(?::uuid[]) AS c(id)
       LEFT JOIN LATERAL (
         SELECT contact_b AS other_id FROM duplicate_suggestions WHERE contact_a = c.id AND status = 'open'
         UNION ALL
         SELECT contact_a FROM duplicate_suggestions WHERE contact_b = c.id AND status = 'open'
       ) s ON true
       LEFT JOIN contacts other ON other.id = s.other_id AND other.status = 'live'
      GROUP BY c.id`,
    [contactIds],
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

interface FlaggedRow {
  id: string;
  contact_a: string;
  contact_b: string;
  field: 'email' | 'phone';
  value: string;
  rule: string | null;
  other_value: string | null;
  flagged_by_envelope: string | null;
}

export interface SuggestionJson {
  id: string;
  contact: { id: string; name: string };
  other: { id: string; name: string };
  field: 'email' | 'phone';
  value: string;
  /** `same email ada@…`, or the provider rule that makes two spellings one mailbox. */
  reason: string;
  createdAt: string;
}

/**
 * Open suggestions, newest first, between live contacts that are not blocked. With `contactId`, only that
 * contact's, each oriented so that `contact` is the one asked about and `other` its possible duplicate.
 */
export async function listOpenSuggestions(db: Knex, options: { contactId?: string; limit: number; before?: Date }):
  Promise<SuggestionJson[]> {
  const rows = await query<{ id: string; a: string; a_name: string; b: string; b_name: string; field: 'email' | 'phone';
    value: string; rule: string | null; other_value: string | null; created_at: Date }>(db,
    `SELECT s.id, a.id AS a, a.display_name AS a_name, b.id AS b, b.display_name AS b_name, s.field, s.value, s.rule,
            s.other_value, s.created_at
       FROM duplicate_suggestions s
       JOIN contacts a ON a.id = s.contact_a AND a.status = 'live'
       JOIN contacts b ON b.id = s.contact_b AND b.status = 'live'
      WHERE s.status = 'open' AND (?::uuid IS NULL OR ?::uuid IN (s.contact_a, s.contact_b))
        AND (?::timestamptz IS NULL OR s.created_at < ?::timestamptz)
      ORDER BY s.created_at DESC, s.id
      LIMIT ?`,
    [options.contactId ?? null, options.contactId ?? null, options.before ?? null, options.before ?? null, options.limit]);
  return rows.map((row) => {
    const flip = options.contactId !== undefined && row.b === options.contactId;
    const a = { id: row.a, name: row.a_name };
    const b = { id: row.b, name: row.b_name };
    return { id: row.id, contact: flip ? b : a, other: flip ? a : b, field: row.field, value: row.value,
      reason: suggestionReason(row), createdAt: row.created_at.toISOString() };
  });
}

/** "Not a duplicate": closes every suggestion for the pair and keeps the pair from being suggested again. */
export async function dismissSuggestion(trx: Knex.Transaction, id: string, by: string, at: Date):
  Promise<{ contactA: string; contactB: string } | undefined> {
  const [pair] = await query<{ contact_a: string; contact_b: string }>(trx,
    'SELECT contact_a, contact_b FROM duplicate_suggestions WHERE id = ?', [id]);
  if (!pair) return undefined;
  await query(trx,
    `INSERT INTO duplicate_dismissals (contact_a, contact_b, dismissed_by, dismissed_at) VALUES (?, ?, ?, ?)
     ON CONFLICT DO NOTHING`, [pair.contact_a, pair.contact_b, by, at]);
  await query(trx, "UPDATE duplicate_suggestions SET status = 'dismissed' WHERE contact_a = ? AND contact_b = ?",
    [pair.contact_a, pair.contact_b]);
  return { contactA: pair.contact_a, contactB: pair.contact_b };
}

/** A person entered these values on the contact: its points become trusted (`manual`), so first messages join it. */
export async function trustPoints(trx: Knex.Transaction, contactId: string, points: { kind: string; value: string }[]): Promise<void> {
  if (points.length === 0) return;
  await query(trx,
    `UPDATE contact_points SET source = 'manual' WHERE contact_id = ?
        AND (kind, value) IN (SELECT * FROM unnest(?::text[], ?::text[]))`,
    [contactId, points.map((p) => p.kind), points.map((p) => p.value)]);
}

/** A person replaced the value they had entered: the old trusted point goes (points learnt from messages stay). */
export async function forgetManualPoint(trx: Knex.Transaction, contactId: string, point: { kind: string; value: string }):
  Promise<void> {
  await query(trx, "DELETE FROM contact_points WHERE contact_id = ? AND kind = ? AND value = ? AND source = 'manual'",
    [contactId, point.kind, point.value]);
}
