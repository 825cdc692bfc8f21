import type { Writable } from 'node:stream';
import type { CountryCode } from 'libphonenumber-js';
import type { Knex } from 'knex';
import { listContacts, type ContactJson } from '../db/repositories/contact-profiles.js';
import type { SqlFragment } from '../db/sql.js';
import { normalisePhone } from '../identity/normalise/phone.js';
import { describeIssue, PayloadError } from '../identity/parse.js';
import type { Actor, ContactsContext, RunChange } from './change.js';
import { csvLine, CsvError, parseCsv } from './csv.js';
import { createContact } from './profiles.js';
import { createContactSchema } from './schema.js';
import { whereOf, type ContactQuery } from './search.js';

/** Contacts out as CSV and in from CSV. */
export function transferOperations({ db, run, clock }: ContactsContext) {
  return {
    /** Streams the contacts a query matches to `out`; resolves with how many were written. */
    export: async (query: Omit<ContactQuery, 'sort' | 'cursor' | 'limit'>, keyId: string, columns: string[], out: Writable) => {
      const { where } = await whereOf(db, query, keyId, clock());
      return exportContacts(db, where, columns, out);
    },
    import: (actor: Actor, body: AsyncIterable<Buffer | string>, defaultCountry: CountryCode | undefined) =>
      importContacts(run, actor, body, defaultCountry),
  };
}

const STANDARD_COLUMNS = ['id', 'name', 'firstName', 'lastName', 'email', 'phone', 'country', 'language', 'timezone',
  'lifecycleStage', 'assignee', 'emailSubscription', 'tags', 'blocked', 'lastInteractionAt', 'createdAt', 'updatedAt'] as const;
const IMPORT_COLUMNS = new Set(['name', 'firstName', 'lastName', 'email', 'phone', 'country', 'language', 'timezone',
  'lifecycleStage', 'assignee', 'emailSubscription', 'tags']);
const IMPORT_BATCH = 200;
export const IMPORT_MAX_ROWS = 100_000;

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
async function exportContacts(db: Knex, where: SqlFragment, columns: string[], out: Writable):
  Promise<number> {
  const write = (text: string) => out.write(text) ? undefined : new Promise<void>((drained) => out.once('drain', drained));
  await write(csvLine(columns));
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await listContacts(db, { where, sort: { key: 'created', descending: false }, cursor, limit: 1000 });
    for (const contact of page.contacts) {
      await write(csvLine(columns.map((column) => cell(contact, column))));
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

export interface ImportReport {
  imported: number;
  failed: number;
  errors: { line: number; field?: string; message: string }[];
}

/**
 * Imports contacts from CSV with a header row. Valid rows are created in batches (each batch one
 * transaction); every invalid row is reported with its line and field and skipped. A phone must be E.164,
 * or national and parseable in `defaultCountry`. Tags are separated by `;`; custom fields are `custom.<key>`.
 */
async function importContacts(runChange: RunChange, actor: Actor, body: AsyncIterable<Buffer | string>,
  defaultCountry: CountryCode | undefined): Promise<ImportReport> {
  const report: ImportReport = { imported: 0, failed: 0, errors: [] };
  let header: string[] | undefined;
  let batch: { line: number; input: ReturnType<typeof createContactSchema.parse> }[] = [];
  const flush = async () => {
    const rows = batch;
    batch = [];
    if (rows.length === 0) return;
    try {
      await runChange(actor, async (ctx) => {
        for (const row of rows) await createContact(ctx, row.input, { fromText: true });
      });
      report.imported += rows.length;
    } catch (error) {
      if (!(error instanceof PayloadError)) throw error;
      // Some row breaks a rule only the database knows (a custom field): import the batch row by row.
      for (const row of rows) {
        try {
          await runChange(actor, (ctx) => createContact(ctx, row.input, { fromText: true }));
          report.imported++;
        } catch (rowError) {
          if (!(rowError instanceof PayloadError)) throw rowError;
          fail(row.line, rowError.message, rowError.field);
        }
      }
    }
  };
  const fail = (line: number, message: string, field?: string) => {
    report.failed++;
    if (report.errors.length < 1000) report.errors.push({ line, ...(field ? { field } : {}), message });
  };

  try {
    for await (const { line, fields } of parseCsv(body)) {
      if (!header) {
        header = checkHeader(fields);
        continue;
      }
      if (report.imported + report.failed + batch.length >= IMPORT_MAX_ROWS) {
        fail(line, `the import stops at ${IMPORT_MAX_ROWS} rows; split the file`);
        break;
      }
      const parsed = rowInput(header, fields, defaultCountry);
      if ('error' in parsed) {
        fail(line, parsed.error, parsed.field);
        continue;
      }
      batch.push({ line, input: parsed.input });
      if (batch.length >= IMPORT_BATCH) await flush();
    }
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    await flush();
    fail(0, `${error.message}; rows after it were not read`);
    return report;
  }
  if (!header) throw new PayloadError('the CSV is empty: it needs a header row such as name,email,phone');
  await flush();
  return report;
}

function checkHeader(fields: string[]): string[] {
  const header = fields.map((field) => field.trim().replace(/^\uFEFF/, ''));
  for (const column of header) {
    if (!IMPORT_COLUMNS.has(column) && !/^custom\.[a-z][a-z0-9_]*$/.test(column)) {
      throw new PayloadError(`unknown column \`${column}\`: use ${[...IMPORT_COLUMNS].join(', ')} or custom.<key>`, 'header');
    }
  }
  return header;
}

function rowInput(header: string[], fields: string[], defaultCountry: CountryCode | undefined):
  { input: ReturnType<typeof createContactSchema.parse> } | { error: string; field?: string } {
  const raw: Record<string, unknown> = {};
  const customFields: Record<string, string> = {};
  header.forEach((column, index) => {
    const value = fields[index]?.trim() ?? '';
    if (value === '') return;
    if (column.startsWith('custom.')) customFields[column.slice('custom.'.length)] = value;
    else if (column === 'tags') raw.tags = value.split(';').map((tag) => tag.trim()).filter(Boolean);
    else raw[column] = value;
  });
  if (typeof raw.phone === 'string') {
    const phone = normalisePhone(raw.phone, defaultCountry);
    if (phone.kind !== 'e164') {
      return { field: 'phone', error: defaultCountry
        ? `phone: not a valid number, in E.164 or national for ${defaultCountry}`
        : 'phone: must be E.164 (e.g. +14155552671), or state defaultCountry for national numbers' };
    }
    raw.phone = phone.value;
  }
  if (Object.keys(customFields).length) raw.customFields = customFields;
  const result = createContactSchema.safeParse(raw);
  if (result.success) return { input: result.data };
  const { field, message } = describeIssue(result.error.issues[0]!);
  return { field, error: message };
}
