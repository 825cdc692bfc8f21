import type { Knex } from 'knex';
import { PayloadError } from '../../identity/parse.js';
import { query, withStatementTimeout, type SqlFragment } from '../sql.js';
import type { ContactStatus } from './contacts.js';

/** A contact as the admin API shows it. */
export interface ContactJson {
  id: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  avatarUrl: string | null;
  country: string | null;
  language: string | null;
  timezone: string | null;
  lifecycleStage: string;
  assignee: string | null;
  emailSubscription: 'subscribed' | 'unsubscribed';
  customFields: Record<string, unknown>;
  tags: string[];
  blocked: boolean;
  blockedAt: string | null;
  lastInteractionAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ContactRow {
  id: string;
  display_name: string;
  name_generated: boolean;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  avatar_url: string | null;
  country: string | null;
  language: string | null;
  timezone: string | null;
  lifecycle_stage: string;
  assignee: string | null;
  email_subscription: 'subscribed' | 'unsubscribed';
  custom_fields: Record<string, unknown>;
  blocked_at: Date | null;
  last_interaction_at: Date | null;
  created_at: Date;
  updated_at: Date;
  merged_into: string | null;
  status: ContactStatus;
  tags: string[];
}

/** Contact fields a person edits, by API name, with the column each lives in. */
export const EDITABLE_COLUMNS = {
  firstName: 'first_name', lastName: 'last_name', email: 'email', phone: 'phone', avatarUrl: 'avatar_url',
  country: 'country', language: 'language', timezone: 'timezone', assignee: 'assignee',
  lifecycleStage: 'lifecycle_stage', emailSubscription: 'email_subscription',
} as const;

/** Every column of `contacts c` plus its tag names, in a stable order. */
export const CONTACT_SELECT = `c.id, c.display_name, c.name_generated, c.first_name, c.last_name, c.email, c.phone,
  c.avatar_url, c.country, c.language, c.timezone, c.lifecycle_stage, c.assignee, c.email_subscription,
  c.custom_fields, c.blocked_at, c.last_interaction_at, c.created_at, c.updated_at, c.merged_into, c.status,
  ARRAY(SELECT t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
         WHERE ct.contact_id = c.id ORDER BY lower(t.name)) AS tags`;

export function toContactJson(row: ContactRow): ContactJson {
  const iso = (date: Date | null) => date?.toISOString() ?? null;
  return {
    id: row.id, name: row.display_name, firstName: row.first_name, lastName: row.last_name, email: row.email,
    phone: row.phone, avatarUrl: row.avatar_url, country: row.country, language: row.language,
    timezone: row.timezone, lifecycleStage: row.lifecycle_stage, assignee: row.assignee,
    emailSubscription: row.email_subscription, customFields: row.custom_fields, tags: row.tags,
    blocked: row.status === 'blocked', blockedAt: iso(row.blocked_at), lastInteractionAt: iso(row.last_interaction_at),
    createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString(),
  };
}

export async function findContactRow(db: Knex | Knex.Transaction, id: string): Promise<ContactRow | undefined> {
  const [row] = await findContactRows(db, [id]);
  return row;
}

export async function findContactRows(db: Knex | Knex.Transaction, ids: string[]): Promise<ContactRow[]> {
  return query<ContactRow>(db, `SELECT ${CONTACT_SELECT} FROM contacts c WHERE c.id = ANY(?::uuid[])`, [ids]);
}

/**
 * Locks contacts for a change (in id order, so concurrent changes cannot deadlock) and returns them.
 * Merged-away contacts are returned too: callers decide what a merged participant means for them.
 */
export async function lockContactRows(trx: Knex.Transaction, ids: string[]): Promise<ContactRow[]> {
  return query<ContactRow>(trx,
    `SELECT ${CONTACT_SELECT} FROM contacts c WHERE c.id = ANY(?::uuid[]) ORDER BY c.id FOR UPDATE OF c`, [ids]);
}

export const SORTS = {
  name: { expression: 'lower(c.display_name)', type: 'text' },
  created: { expression: 'c.created_at', type: 'timestamptz' },
  updated: { expression: 'c.updated_at', type: 'timestamptz' },
  lastInteraction: { expression: "COALESCE(c.last_interaction_at, '-infinity'::timestamptz)", type: 'timestamptz' },
} as const;
export type SortKey = keyof typeof SORTS;
export interface Sort {
  key: SortKey;
  descending: boolean;
}

export interface ContactPage {
  contacts: ContactJson[];
  nextCursor: string | null;
}

/**
 * One page of live (not merged-away) contacts matching `where`, in keyset order: a cursor is the last row's
 * sort value and id, so pages stay stable while contacts are added.
 */
export async function listContacts(db: Knex, options: { where: SqlFragment; sort: Sort;
  cursor?: string; limit: number; timeoutMs: number }): Promise<ContactPage> {
  const { expression, type } = SORTS[options.sort.key];
  const direction = options.sort.descending ? 'DESC' : 'ASC';
  const after = options.cursor ? decodeCursor(options.cursor, options.sort.key) : undefined;
  const keyset = after
    ? { text: `AND (${expression}, c.id) ${options.sort.descending ? '<' : '>'} (?::${type}, ?::uuid)`, params: after }
    : { text: '', params: [] };
  const rows = await withStatementTimeout(db, options.timeoutMs, (trx) => query<ContactRow & { sort_key: string }>(trx,
    `SELECT ${CONTACT_SELECT}, (${expression})::text AS sort_key
       FROM contacts c
      WHERE c.status <> 'merged' AND (${options.where.text}) ${keyset.text}
      ORDER BY ${expression} ${direction}, c.id ${direction}
      LIMIT ?`,
    [...options.where.params, ...keyset.params, options.limit + 1]));
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    contacts: page.map(toContactJson),
    nextCursor: rows.length > options.limit && last ? encodeCursor([options.sort.key, last.sort_key, last.id]) : null,
  };
}

/** A cursor this API did not hand out, or one of another sort: a 400 like any other malformed input. */
export class CursorError extends PayloadError {
  override name = 'CursorError';
}

/** A cursor names its sort, so one from another ordering is refused rather than misread. */
function encodeCursor(position: [SortKey, string, string]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodeCursor(cursor: string, sort: SortKey): [string, string] {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('the cursor is not one this API returned');
  }
  if (!Array.isArray(position) || position.length !== 3 || !position.every((part) => typeof part === 'string')) {
    throw new CursorError('the cursor is not one this API returned');
  }
  const [cursorSort, value, id] = position as [string, string, string];
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new CursorError('the cursor is not one this API returned');
  if (cursorSort !== sort) throw new CursorError(`the cursor belongs to the sort \`${cursorSort}\`, not \`${sort}\``);
  return [value, id];
}

/** Sets or clears `blocked_at` (and so the derived status); only `contacts/status.ts` calls this. */
export async function writeBlockedAt(trx: Knex.Transaction, id: string, blockedAt: Date | null, now: Date): Promise<ContactRow> {
  await query(trx, 'UPDATE contacts SET blocked_at = ?, updated_at = ? WHERE id = ?', [blockedAt, now, id]);
  return (await findContactRow(trx, id))!;
}

/** A new contact with only its name; the caller writes the other fields with `updateContactColumns`. */
export async function insertContactRow(trx: Knex.Transaction, displayName: string, at: Date): Promise<string> {
  const [row] = await query<{ id: string }>(trx,
    `INSERT INTO contacts (id, display_name, name_generated, created_at, updated_at)
     VALUES (gen_random_uuid(), ?, false, ?, ?) RETURNING id`, [displayName, at, at]);
  return row!.id;
}

/** Columns a person may set, besides the editable ones: the name, and the custom fields as one document. */
export type WritableColumn = (typeof EDITABLE_COLUMNS)[keyof typeof EDITABLE_COLUMNS] | 'display_name' | 'name_generated'
  | 'custom_fields';

/** Writes the given columns (names from EDITABLE_COLUMNS and WritableColumn only, never from input) and moves `updated_at`. */
export async function updateContactColumns(trx: Knex.Transaction, id: string,
  columns: Partial<Record<WritableColumn, string | boolean | null>>, at: Date): Promise<void> {
  const names = Object.keys(columns) as WritableColumn[];
  if (names.length === 0) return;
  const sets = names.map((name) => (name === 'custom_fields' ? `${name} = ?::jsonb` : `${name} = ?`));
  await query(trx, `UPDATE contacts SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`,
    [...names.map((name) => columns[name] ?? null), at, id]);
}

/** The contact a merged-away contact was merged into, or null when `id` is live, blocked or missing. */
export async function findMergedInto(db: Knex, id: string): Promise<string | null> {
  const [row] = await query<{ merged_into: string | null }>(db, 'SELECT merged_into FROM contacts WHERE id = ?', [id]);
  return row?.merged_into ?? null;
}
