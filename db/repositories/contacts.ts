import { query, type Cte, type Transaction } from '../sql.js';

/** Profile fields of a contact that inbound messages fill in when they are empty. */
export interface ContactFields {
  displayName?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  avatarUrl?: string;
  country?: string;
  language?: string;
  timezone?: string;
}

export interface NewContact extends ContactFields {
  id: string;
  displayName: string;
  nameGenerated: boolean;
  /** When the newest message that made it arrived. */
  lastInboundAt: Date;
}

/**
 * Where a contact stands, as the `status` column derives it (migration 20261130000000): `live`, `blocked`
 * (its messages are dropped), `merged` into another contact, or `deleted` (no row any more). Only the contacts
 * domain module (`contacts/status.ts`, `contacts/merge.ts`, `contacts/delete.ts`) moves a contact between them.
 */
export const CONTACT_STATUSES = ['live', 'blocked', 'merged', 'deleted'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** What the resolver needs to know of a contact a message resolves to. */
export interface ContactState {
  id: string;
  displayName: string;
  status: ContactStatus;
  /** What is stored now of what inbound messages may change, to write only contacts that do change. */
  stored?: {
    /** In ms since the epoch. */
    lastInteractionAt: number | null;
    nameGenerated: boolean;
    empty: ReadonlySet<keyof ContactFields>;
  };
}

/** What a batch of inbound messages teaches about one existing contact. */
export interface InboundContactUpdate extends ContactFields {
  id: string;
  lastInboundAt: Date;
}

const FIELD_COLUMNS = ['first_name', 'last_name', 'email', 'phone', 'avatar_url', 'country', 'language', 'timezone'] as const;
const FIELD_NAMES = ['firstName', 'lastName', 'email', 'phone', 'avatarUrl', 'country', 'language', 'timezone'] as const;
const fieldValues = (rows: ContactFields[]) => [
  rows.map((r) => r.firstName ?? null), rows.map((r) => r.lastName ?? null), rows.map((r) => r.email ?? null),
  rows.map((r) => r.phone ?? null), rows.map((r) => r.avatarUrl ?? null), rows.map((r) => r.country ?? null),
  rows.map((r) => r.language ?? null), rows.map((r) => r.timezone ?? null),
];

/** Creates contacts, with the arrival of their newest message as their last interaction. */
export async function insertContacts(trx: Transaction, contacts: NewContact[], at: Date): Promise<void> {
  if (contacts.length === 0) return;
  await query(trx,
    `/* contacts.insert */ INSERT INTO contacts (id, display_name, name_generated, last_interaction_at, ${FIELD_COLUMNS.join(', ')}, created_at, updated_at)
     SELECT c.*, ?::timestamptz, ?::timestamptz
       FROM unnest(?::uuid[], ?::text[], ?::bool[], ?::timestamptz[], ${FIELD_COLUMNS.map(() => '?::text[]').join(', ')})
         AS c(id, display_name, name_generated, last_interaction_at, ${FIELD_COLUMNS.join(', ')})`,
    [at, at, contacts.map((c) => c.id), contacts.map((c) => c.displayName), contacts.map((c) => c.nameGenerated),
      contacts.map((c) => c.lastInboundAt), ...fieldValues(contacts)],
  );
}

/**
 * How far `last_interaction_at` may lag behind the newest message: a contact in a lively conversation is
 * rewritten at most once a minute for it, not once per message (every rewrite of a contact row writes an entry
 * in each of its indexes). The exact time of every identity's last message is in `interactions`.
 */
export const LAST_INTERACTION_GRANULARITY = '1 minute';

/**
 * Fills a contact's empty fields from what senders told us (never overwrites what a person entered),
 * replaces a generated name with a real one, and moves the last interaction forward (to the minute). A
 * contact with nothing to change is not written at all. Parts of the resolver's batch statement
 * (`db/repositories/batch.ts`); none when there is nothing to update.
 */
export function inboundUpdateCtes(updates: InboundContactUpdate[], at: Date): Cte[] {
  if (updates.length === 0) return [];
  const fills = FIELD_COLUMNS.map((column) => `${column} = COALESCE(c.${column}, u.${column})`).join(',\n       ');
  const changed = FIELD_COLUMNS.map((column) => `(c.${column} IS NULL AND u.${column} IS NOT NULL)`).join(' OR ');
  const renamed = 'c.name_generated AND u.display_name IS NOT NULL';
  // Each row is found by its id through the index (LATERAL … OFFSET 0, see sql.ts), then updated by its
  // physical address: a plain UPDATE … FROM unnest may be planned as a scan of every contact.
  return [{
    name: 'contact_updates',
    text: `SELECT t.row, u.*
         FROM unnest(?::uuid[], ?::text[], ?::timestamptz[], ${FIELD_COLUMNS.map(() => '?::text[]').join(', ')})
           AS u(id, display_name, last_inbound_at, ${FIELD_COLUMNS.join(', ')})
         CROSS JOIN LATERAL (SELECT ctid AS row FROM contacts WHERE id = u.id OFFSET 0) t`,
    params: [updates.map((u) => u.id), updates.map((u) => u.displayName ?? null), updates.map((u) => u.lastInboundAt),
      ...fieldValues(updates)],
  }, {
    name: 'updated_contacts',
    text: `UPDATE contacts c SET
       ${fills},
       display_name = CASE WHEN ${renamed} THEN u.display_name ELSE c.display_name END,
       name_generated = c.name_generated AND u.display_name IS NULL,
       last_interaction_at = GREATEST(c.last_interaction_at, u.last_inbound_at),
       updated_at = CASE WHEN ${changed} OR (${renamed}) THEN ?::timestamptz ELSE c.updated_at END
     FROM contact_updates u
     WHERE c.ctid = ANY(ARRAY(SELECT row FROM contact_updates)) AND c.id = u.id
       AND (${changed} OR (${renamed}) OR c.last_interaction_at IS NULL
            OR u.last_inbound_at >= c.last_interaction_at + interval '${LAST_INTERACTION_GRANULARITY}')`,
    params: [at],
  }];
}

/** What a resolved record says about its contact: the name it goes by now, and its open duplicate suggestions. */
export interface ContactSummary {
  displayName: string;
  potentialDuplicates: number;
}

/**
 * The name and the number of open suggestions (with live partners) of each contact, in one statement: what the
 * resolver puts on every record, read after its writes so a name learnt in the same batch shows.
 */
export async function contactSummaries(trx: Transaction, ids: string[]): Promise<Map<string, ContactSummary>> {
  if (ids.length === 0) return new Map();
  const rows = await query<{ id: string; display_name: string; n: number }>(trx,
    `/* contacts.summaries */ SELECT k.id, c.display_name, d.n
       FROM unnest(?::uuid[]) AS k(id)
       CROSS JOIN LATERAL (SELECT display_name FROM contacts WHERE id = k.id OFFSET 0) c
       CROSS JOIN LATERAL (
         SELECT count(DISTINCT s.other_id)::int AS n
           FROM (SELECT contact_b AS other_id FROM duplicate_suggestions WHERE contact_a = k.id AND status = 'open'
                 UNION ALL
                 SELECT contact_a FROM duplicate_suggestions WHERE contact_b = k.id AND status = 'open') s
          WHERE EXISTS (SELECT 1 FROM contacts other WHERE other.id = s.other_id AND other.status = 'live')) d`,
    [ids]);
  return new Map(rows.map((row) => [row.id, { displayName: row.display_name, potentialDuplicates: row.n }]));
}

export interface LockedContact extends ContactState {
  mergedInto: string | null;
}

/**
 * Locks the contacts a batch is about to write to, in id order, and follows merges: a contact merged away
 * while the batch was being matched stands for the contact that absorbed it. Locking here is what makes a
 * concurrent merge or block wait for the batch, or the batch see the merge or block.
 */
export async function lockContactStates(trx: Transaction, ids: string[]): Promise<Map<string, ContactState>> {
  const states = new Map<string, ContactState>();
  const survivors = new Map<string, string>();
  let pending = ids;
  for (let depth = 0; pending.length > 0 && depth < 5; depth++) {
    // In id order (the array is sorted, and a nested loop keeps its order), one index look-up each.
    // The time as ms and the empty fields as one bit each (FIELD_NAMES order): numbers, which pg reads at once,
    // where parsing a timestamp and a text[] per contact took ~8 % of the resolver's JavaScript at 1,000 a batch.
    const rows = await query<{ id: string; display_name: string; status: ContactStatus; merged_into: string | null;
      last_interaction_ms: number | null; name_generated: boolean; empty: number }>(trx,
      `/* contacts.lock */ SELECT c.id, c.display_name, c.status, c.merged_into, c.name_generated,
              (extract(epoch FROM c.last_interaction_at) * 1000)::float8 AS last_interaction_ms,
              ${FIELD_COLUMNS.map((column, bit) => `((c.${column} IS NULL)::int << ${bit})`).join(' | ')} AS empty
         FROM unnest(?::uuid[]) WITH ORDINALITY AS k(id, n)
         CROSS JOIN LATERAL (SELECT * FROM contacts WHERE id = k.id FOR NO KEY UPDATE) c
        ORDER BY k.n`,
      [[...pending].sort()]);
    pending = [];
    for (const row of rows) {
      states.set(row.id, { id: row.id, displayName: row.display_name, status: row.status,
        stored: { lastInteractionAt: row.last_interaction_ms, nameGenerated: row.name_generated,
          empty: new Set(FIELD_NAMES.filter((_, bit) => row.empty & (1 << bit))) } });
      if (row.merged_into) {
        survivors.set(row.id, row.merged_into);
        if (!states.has(row.merged_into)) pending.push(row.merged_into);
      }
    }
  }
  for (const [merged, survivor] of survivors) states.set(merged, states.get(survivor) ?? states.get(merged)!);
  return states;
}

/**
 * For new identities: the one live, unblocked contact a person entered this exact email or phone on (a
 * trusted contact point), locked. Values held by several such contacts are left out: they make a new contact.
 */
export async function findTrustedContacts(trx: Transaction, points: { kind: string; value: string }[]):
  Promise<Map<string, string>> {
  if (points.length === 0) return new Map();
  const rows = await query<{ kind: string; value: string; contact_id: string }>(trx,
    `/* contacts.trusted */ SELECT cp.kind, cp.value, c.id AS contact_id
       FROM unnest(?::text[], ?::text[]) AS k(kind, value)
       JOIN contact_points cp ON cp.kind = k.kind AND cp.value = k.value AND cp.source = 'manual'
       JOIN contacts c ON c.id = cp.contact_id AND c.status = 'live'
      ORDER BY c.id
        FOR NO KEY UPDATE OF c`,
    [points.map((p) => p.kind), points.map((p) => p.value)]);
  const holders = new Map<string, Set<string>>();
  for (const row of rows) {
    const key = `${row.kind}:${row.value}`;
    holders.set(key, (holders.get(key) ?? new Set()).add(row.contact_id));
  }
  return new Map([...holders].filter(([, ids]) => ids.size === 1).map(([key, ids]) => [key, [...ids][0]!]));
}
