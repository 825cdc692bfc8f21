import { randomUUID } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import type { EnteredContact } from '../db/repositories/contact-imports.js';
import { countryOfPhone, normalisePhone } from '../identity/normalise/phone.js';
import { describeIssue, PayloadError } from '../identity/parse.js';
import { checkCustomFields, type FieldDefinitions } from './custom-fields.js';
import { createContactSchema } from './schema.js';

/** What an import reads from each row: the contact's fields and its tags. */
export interface ImportedRow {
  contact: EnteredContact;
  tags: string[];
}

export type RowOutcome = { row: ImportedRow } | { error: string; field?: string };

const IMPORT_COLUMNS = new Set(['name', 'firstName', 'lastName', 'email', 'phone', 'country', 'language', 'timezone',
  'lifecycleStage', 'assignee', 'emailSubscription', 'tags']);

/**
 * The uploaded file as text, or a 400 saying why it is not a CSV we can read: compressed without saying so,
 * binary, or not UTF-8. A byte-order mark is dropped.
 */
export function csvText(file: Buffer): string {
  if (file[0] === 0x1f && file[1] === 0x8b) {
    throw new PayloadError('the file is gzip-compressed: send the CSV itself, or say so with Content-Encoding: gzip');
  }
  const nul = file.indexOf(0);
  if (nul >= 0) throw new PayloadError(`the file holds binary data (a NUL byte at offset ${nul}): send CSV text`);
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(file);
  } catch {
    throw new PayloadError('the file is not UTF-8 text: save the CSV as UTF-8 and send it again');
  }
}

/** The header row's columns, or a 400 naming the first column an import does not know. */
export function importHeader(fields: string[]): string[] {
  const header = fields.map((field) => field.trim());
  for (const column of header) {
    if (!IMPORT_COLUMNS.has(column) && !/^custom\.[a-z][a-z0-9_]*$/.test(column)) {
      throw new PayloadError(`unknown column \`${column}\`: use ${[...IMPORT_COLUMNS].join(', ')} or custom.<key>`, 'header');
    }
  }
  return header;
}

/**
 * One data row as a contact to create, or why it is not one. A phone must be E.164, or national and readable in
 * `defaultCountry`; tags are `;`-separated; `custom.<key>` columns are read as their field's type. Cells lose
 * surrounding spaces only: a leading tab or line break is kept, so a value neutralised against spreadsheet
 * formulas never comes back as one; a leading `'` that our export put before a formula character is removed.
 */
export function rowOutcome(header: string[], fields: string[], defaultCountry: CountryCode | undefined,
  definitions: FieldDefinitions): RowOutcome {
  const raw: Record<string, unknown> = {};
  const customFields: Record<string, string> = {};
  header.forEach((column, index) => {
    const value = unneutralised(fields[index]?.replace(/^ +| +$/g, '') ?? '');
    if (value === '') return;
    if (column.startsWith('custom.')) customFields[column.slice('custom.'.length)] = value;
    else if (column === 'tags') raw.tags = value.split(';').map((tag) => tag.trim()).filter(Boolean);
    else raw[column] = value;
  });
  if (typeof raw.phone === 'string') {
    const phone = normalisePhone(raw.phone, defaultCountry);
    if (phone.value === undefined) {
      return { field: 'phone', error: defaultCountry
        ? `phone: not a valid number, in E.164 or national for ${defaultCountry}`
        : 'phone: must be E.164 (e.g. +14155552671), or state defaultCountry for national numbers' };
    }
    raw.phone = phone.value;
  }
  const result = createContactSchema.safeParse(raw);
  if (!result.success) {
    const { field, message } = describeIssue(result.error.issues[0]!);
    return { error: message, ...(field ? { field } : {}) };
  }
  const input = result.data;
  let custom: Record<string, unknown>;
  try {
    custom = checkCustomFields(definitions, {}, customFields, true);
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    return { error: error.message, ...(error.field ? { field: error.field } : {}) };
  }
  return { row: { tags: input.tags ?? [], contact: {
    id: randomUUID(),
    displayName: input.name ?? ([input.firstName, input.lastName].filter(Boolean).join(' ') || (input.email ?? input.phone ?? '')),
    firstName: input.firstName ?? null, lastName: input.lastName ?? null, email: input.email ?? null, phone: input.phone ?? null,
    country: input.country ?? countryOfPhone(input.phone) ?? null, language: input.language ?? null, timezone: input.timezone ?? null, assignee: input.assignee ?? null,
    lifecycleStage: input.lifecycleStage ?? 'lead', emailSubscription: input.emailSubscription ?? 'subscribed', customFields: custom,
  } } };
}

/** Undoes the export's neutralisation: `'=1+1` back to `=1+1` (see `neutralised` in export.ts). */
function unneutralised(value: string): string {
  return /^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value;
}
