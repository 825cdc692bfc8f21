import { createHash } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { insertEnteredContacts } from '../db/repositories/contact-imports.js';
import { readJobFile, updateJob, type JobJson, type JobRow } from '../db/repositories/jobs.js';
import { addPointsAndFlagDuplicates } from '../db/repositories/suggestions.js';
import { linkTags, tagIdsByName } from '../db/repositories/tags.js';
import { parseWith, PayloadError } from '../identity/parse.js';
import { enteredPoints } from '../identity/points.js';
import { NO_KEY, type Actor, type ContactsContext } from './change.js';
import { loadFieldDefinitions } from './custom-fields.js';
import { CsvError, parseCsv } from './csv.js';
import { ConflictError } from './errors.js';
import { csvText, importHeader, rowOutcome, type ImportedRow } from './import-rows.js';
import type { JobHandler, JobRunner } from './jobs.js';

export const IMPORT_JOB = 'contacts.import';
/** Rows created per transaction: one statement each for contacts, tags, points and audit entries. */
const BATCH = 1_000;
const MAX_REPORTED_ERRORS = 1_000;

export interface ImportLimits {
  /** The most data rows one file may have. */
  maxRows: number;
}

const reportSchema = z.object({
  imported: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  errors: z.array(z.object({ line: z.number().int().nonnegative(), field: z.string().optional(), message: z.string() })),
});
/** What an import did: rows created, rows refused, and why (the first thousand refusals, by line). */
export type ImportReport = z.infer<typeof reportSchema>;
const paramsSchema = z.object({ defaultCountry: z.string().length(2).optional() });

/** Contacts in from CSV: checked at once, created in the background, reported row by row. */
export function importOperations(jobs: JobRunner, limits: ImportLimits) {
  return {
    /**
     * Checks the file (text, UTF-8, a known header, not too many rows) and starts importing it; a 400 names what
     * is wrong before anything is written. With an idempotency key, the same upload sent again is the same job;
     * the key sent with another file is refused.
     */
    start: async (actor: Actor, file: Buffer, options: { defaultCountry?: CountryCode; idempotencyKey?: string }): Promise<JobJson> => {
      const total = await countRows(csvText(file), limits.maxRows);
      const requestHash = createHash('sha256').update(file).update(`\n${options.defaultCountry ?? ''}`).digest('hex');
      const started = await jobs.start(actor, { kind: IMPORT_JOB, total, file, requestHash, idempotencyKey: options.idempotencyKey,
        params: options.defaultCountry ? { defaultCountry: options.defaultCountry } : {} });
      if (!started.created && started.requestHash !== requestHash) {
        throw new ConflictError('this Idempotency-Key was used for another file or country: use a new key for a new import',
          { reason: 'idempotency_key_reused', jobId: started.job.id });
      }
      return started.job;
    },
  };
}

/** How many data rows the file has; a 400 for a missing or unknown header, or too many rows. */
async function countRows(text: string, maxRows: number): Promise<number> {
  let header: string[] | undefined;
  let rows = 0;
  try {
    for await (const { fields } of parseCsv([text])) {
      if (!header) header = importHeader(fields);
      else if (++rows > maxRows) throw new PayloadError(`the file has more than ${maxRows} rows: split it into several imports`);
    }
  } catch (error) {
    // A broken row further down is the job's to report by its line, with the rows before it imported.
    if (!(error instanceof CsvError) || !header) throw error;
  }
  if (!header) throw new PayloadError('the CSV is empty: it needs a header row such as name,email,phone');
  return rows;
}

/**
 * The background half: reads the stored file again and creates its valid rows a thousand at a time, each
 * batch in one transaction together with the job's progress and report, so a restarted gateway resumes after
 * the last committed batch and creates nothing twice.
 */
export function importJobHandler(context: ContactsContext): JobHandler {
  return {
    kind: IMPORT_JOB,
    async run(job: JobRow, stopping) {
      const { defaultCountry } = parseWith(paramsSchema, job.params, ['job', 'params']);
      const file = await readJobFile(context.db, job.id);
      if (!file) throw new Error('the uploaded file of this import is gone');
      let report = parseWith(reportSchema, job.result ?? { imported: 0, failed: 0, errors: [] }, ['job', 'result']);
      const actor = { keyId: job.created_by ?? NO_KEY, name: `import job ${job.id}` };
      let header: string[] | undefined;
      let seen = 0;
      let batch: { line: number; fields: string[] }[] = [];
      const flush = async (also: ImportReport['errors'] = []) => {
        report = await importBatch(context, actor, job.id, report, batch, header!, defaultCountry as CountryCode | undefined, also);
        batch = [];
      };
      try {
        for await (const { line, fields } of parseCsv([csvText(file)])) {
          if (!header) {
            header = importHeader(fields);
            continue;
          }
          if (++seen <= job.done) continue; // committed before a restart
          batch.push({ line, fields });
          if (batch.length < BATCH) continue;
          await flush();
          if (stopping()) return 'stopped';
        }
      } catch (error) {
        if (!(error instanceof CsvError)) throw error;
        await flush([{ line: 0, message: `${error.message}; rows after it were not read` }]);
        return 'finished';
      }
      await flush();
      return 'finished';
    },
  };
}

/** Creates one batch's valid rows and records the batch in the job, in one transaction; returns the report after it. */
async function importBatch(context: ContactsContext, actor: Actor, jobId: string, before: ImportReport,
  rows: { line: number; fields: string[] }[], header: string[], defaultCountry: CountryCode | undefined,
  extraErrors: ImportReport['errors']): Promise<ImportReport> {
  const definitions = await loadFieldDefinitions(context.db);
  const created: ImportedRow[] = [];
  const errors = [...before.errors];
  let failed = before.failed + extraErrors.length;
  for (const { line, fields } of rows) {
    const outcome = rowOutcome(header, fields, defaultCountry, definitions);
    if ('row' in outcome) created.push(outcome.row);
    else {
      failed++;
      errors.push({ line, ...(outcome.field ? { field: outcome.field } : {}), message: outcome.error });
    }
  }
  errors.push(...extraErrors);
  const report = { imported: before.imported + created.length, failed, errors: errors.slice(0, MAX_REPORTED_ERRORS) };
  await context.run(actor, async (ctx) => {
    await createImported(ctx.trx, created, ctx.now);
    for (const { contact, tags } of created) {
      ctx.audit({ action: 'contact.created', targetType: 'contact', targetId: contact.id, after: { ...contact, tags, importJob: jobId } });
    }
    await updateJob(ctx.trx, jobId, { addDone: rows.length, result: report });
  });
  return report;
}

/** The rows' contacts, their tags and their email and phone as trusted points (flagging duplicates), set-based. */
async function createImported(trx: Parameters<typeof insertEnteredContacts>[0], rows: ImportedRow[], at: Date): Promise<void> {
  await insertEnteredContacts(trx, rows.map((row) => row.contact), at);
  const tagIds = await tagIdsByName(trx, [...new Set(rows.flatMap((row) => row.tags))]);
  await linkTags(trx, rows.flatMap(({ contact, tags }) => tags.map((tag) => ({ contactId: contact.id, tagId: tagIds.get(tag.toLowerCase())! }))), at);
  await addPointsAndFlagDuplicates(trx, rows.flatMap(({ contact }) => enteredPoints(contact)
    .map((point) => ({ ...point, source: 'manual' as const, contactId: contact.id, envelopeId: null }))), at);
}
