import type { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { listContacts, type ContactJson } from '../db/repositories/contact-profiles.js';
import type { SqlFragment } from '../db/sql.js';
import { PayloadError } from '../identity/parse.js';
import type { ContactsContext } from './change.js';
import { csvLine } from './csv.js';
import { timeLimited, whereOf, type ContactQuery } from './search.js';

const STANDARD_COLUMNS = ['id', 'name', 'firstName', 'lastName', 'email', 'phone', 'country', 'language', 'timezone',
  'lifecycleStage', 'assignee', 'emailSubscription', 'tags', 'blocked', 'lastInteractionAt', 'createdAt', 'updatedAt'] as const;

/** Contacts out as CSV, streamed. */
export function exportOperations({ db, clock, searchTimeoutMs }: ContactsContext) {
  return {
    /** Streams the contacts a query matches to `out`; resolves with how many were written. */
    export: async (query: Omit<ContactQuery, 'sort' | 'cursor' | 'limit'>, keyId: string, columns: string[], out: Writable) => {
      const { where } = await whereOf(db, query, keyId, clock());
      return exportContacts(db, where, columns, out, searchTimeoutMs);
    },
  };
}

export function exportColumns(requested: string | undefined): string[] {
  if (!requested) return [...STANDARD_COLUMNS];
  const columns = requested.split(',').map((column) => column.trim()).filter(Boolean);
  for (const column of columns) {
    if (!(STANDARD_COLUMNS as readonly string[]).includes(column) && !/^custom\.[a-z][a-z0-9_]*$/.test(column)) {
      throw new PayloadError(`columns: unknown column \`${column}\` (one of ${STANDARD_COLUMNS.join(', ')} or custom.<key>)`, 'columns');
    }
  }
  if (columns.length === 0) throw new PayloadError('columns: name at least one column', 'columns');
  return columns;
}

/**
 * Writes matching contacts as CSV, a page at a time in keyset order, waiting whenever the client reads
 * slower than we write: memory stays flat however many contacts there are.
 */
async function exportContacts(db: Knex, where: SqlFragment, columns: string[], out: Writable, timeoutMs: number): Promise<number> {
  const write = (text: string) => out.write(text) ? undefined : new Promise<void>((drained) => out.once('drain', drained));
  await write(csvLine(columns));
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await timeLimited(() => listContacts(db, { where, sort: { key: 'created', descending: false }, cursor, limit: 1000,
      timeoutMs }));
    for (const contact of page.contacts) {
      await write(csvLine(columns.map((column) => neutralised(column, cell(contact, column)))));
      count++;
    }
    cursor = page.nextCursor ?? undefined;
    if (out.destroyed) break;
  } while (cursor);
  return count;
}

function cell(contact: ContactJson, column: string): string | number | boolean | null {
  if (column.startsWith('custom.')) {
    const value = contact.customFields[column.slice('custom.'.length)];
    return value === undefined || value === null ? null : typeof value === 'object' ? JSON.stringify(value) : (value as string);
  }
  if (column === 'tags') return contact.tags.join(';');
  return contact[column as keyof ContactJson] as string | number | boolean | null;
}

/** A cell a spreadsheet would run as a formula: it starts with one of these (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * Text that a spreadsheet would take for a formula goes out prefixed with `'`, which shows the text and runs
 * nothing. Left alone: a valid E.164 number in the phone column (`+4930…` is data, not a formula) and numbers
 * (a custom number field's `-5`), which cannot carry a formula. Import strips the `'` again.
 */
export function neutralised(column: string, value: string | number | boolean | null): string | number | boolean | null {
  if (typeof value !== 'string' || !FORMULA_START.test(value)) return value;
  if (column === 'phone' && E164.test(value)) return value;
  return `'${value}`;
}
