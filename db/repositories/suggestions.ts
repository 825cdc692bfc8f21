import type { Knex } from 'knex';
import { query } from '../sql.js';
import type { ContactPoint } from '../../resolvers/identity/identity.js';

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
}

/**
 * Records contact points and flags every other non-blocked contact that holds one of the new ones.
 * Points are locked by value first so that two resolvers adding the same phone to two contacts at once
 * still see each other: otherwise each would miss the other's uncommitted row.
 */
export async function addPointsAndFlagDuplicates(trx: Knex.Transaction, points: ContactPointRow[], at: Date):
  Promise<FlaggedDuplicate[]> {
  if (points.length === 0) return [];
  await query(trx,
    `SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
       FROM (SELECT DISTINCT unnest(?::text[]) AS k ORDER BY 1) locks`,
    [points.map((p) => `point:${p.kind}:${p.value}`)],
  );
  const rows = await query<FlaggedRow>(trx,
    `WITH added AS (
       INSERT INTO contact_points (contact_id, kind, value, source, envelope_id, created_at)
       SELECT p.*, ?::timestamptz
         FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::uuid[]) AS p(contact_id, kind, value, source, envelope_id)
       ON CONFLICT DO NOTHING
       RETURNING contact_id, kind, value, envelope_id
     ), pairs AS (
       SELECT DISTINCT ON (1, 2, 3, 4)
              LEAST(a.contact_id, o.contact_id) AS contact_a, GREATEST(a.contact_id, o.contact_id) AS contact_b,
              a.kind AS field, a.value, a.envelope_id
         FROM added a
         -- The statement's snapshot does not see rows its own CTE inserted: add them to the comparison.
         JOIN (SELECT contact_id, kind, value FROM contact_points UNION ALL SELECT contact_id, kind, value FROM added) o
           ON o.kind = a.kind AND o.value = a.value AND o.contact_id <> a.contact_id
         JOIN contacts oc ON oc.id = o.contact_id AND oc.blocked_at IS NULL
     )
     INSERT INTO duplicate_suggestions (contact_a, contact_b, field, value, flagged_by_envelope, created_at)
     SELECT contact_a, contact_b, field, value, envelope_id, ?::timestamptz FROM pairs ORDER BY 1, 2, 3, 4
     ON CONFLICT DO NOTHING
     RETURNING id, contact_a, contact_b, field, value`,
    [at, points.map((p) => p.contactId), points.map((p) => p.kind), points.map((p) => p.value),
      points.map((p) => p.source), points.map((p) => p.envelopeId), at],
  );
  return rows.map(toFlagged);
}

/** Suggestions a replayed batch flagged the first time, so its events can be published again. */
export async function findFlaggedBy(trx: Knex.Transaction, envelopeIds: string[]): Promise<FlaggedDuplicate[]> {
  if (envelopeIds.length === 0) return [];
  const rows = await query<FlaggedRow>(trx,
    `SELECT id, contact_a, contact_b, field, value FROM duplicate_suggestions
      WHERE flagged_by_envelope = ANY(?::uuid[]) ORDER BY created_at, id`,
    [envelopeIds],
  );
  return rows.map(toFlagged);
}

const toFlagged = (r: FlaggedRow): FlaggedDuplicate =>
  ({ id: r.id, contactA: r.contact_a, contactB: r.contact_b, field: r.field, value: r.value });

/** Open suggestions per contact, counting only partners that are not blocked. */
export async function countOpenDuplicates(trx: Knex.Transaction, contactIds: string[]): Promise<Map<string, number>> {
  if (contactIds.length === 0) return new Map();
  const rows = await query<{ id: string; n: number }>(trx,
    `SELECT c.id, count(DISTINCT other.id)::int AS n
       FROM unnest(?::uuid[]) AS c(id)
       LEFT JOIN duplicate_suggestions s
         ON s.status = 'open' AND (s.contact_a = c.id OR s.contact_b = c.id)
       LEFT JOIN contacts other
         ON other.id = CASE WHEN s.contact_a = c.id THEN s.contact_b ELSE s.contact_a END AND other.blocked_at IS NULL
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
}
