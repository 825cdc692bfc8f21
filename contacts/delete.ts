import { countMatching, deleteContactRows, lockForDeletion, nextMatchingIds } from '../db/repositories/deletions.js';
import { updateJob, type JobRow } from '../db/repositories/jobs.js';
import { parseWith } from '../identity/parse.js';
import { NO_KEY, type Actor, type ChangeContext, type ContactsContext } from './change.js';
import { NotFoundError } from './errors.js';
import type { JobHandler, JobRunner } from './jobs.js';
import { deleteContactsSchema } from './schema.js';
import { selectionWhere, type Selection } from './selection.js';

const BATCH = 500;
export const DELETE_JOB = 'contacts.delete';

/** Deleting one contact at once, or many as a background job with progress. */
export function deletionOperations(context: ContactsContext, jobs: JobRunner) {
  return {
    one: async (actor: Actor, id: string) => {
      const deleted = await context.run(actor, (ctx) => deleteContacts(ctx, [id]));
      if (deleted.length === 0) throw new NotFoundError(`contact ${id} does not exist`);
    },
    /** Starts deleting every contact the selection matches now; contacts created later are left alone. */
    many: async (actor: Actor, selection: Selection) => {
      const total = await countMatching(context.db, selectionWhere(selection, context.clock()));
      return (await jobs.start(actor, { kind: DELETE_JOB, total, params: selection })).job;
    },
  };
}

/** The background half of `many`: batches of 500, each deleted and counted in one transaction. */
export function deleteJobHandler(context: ContactsContext): JobHandler {
  return {
    kind: DELETE_JOB,
    async run(job: JobRow, stopping) {
      // The selection was checked when the job was started; it is read back through the same schema.
      const where = selectionWhere(parseWith(deleteContactsSchema, job.params, ['job', 'params']), job.created_at);
      const actor = { keyId: job.created_by ?? NO_KEY, name: `delete job ${job.id}` };
      while (!stopping()) {
        const deleted = await context.run(actor, async (ctx) => {
          const gone = await deleteContacts(ctx, await nextMatchingIds(ctx.trx, where, job.created_at, BATCH));
          await updateJob(ctx.trx, job.id, { addDone: gone.length });
          return gone.length;
        });
        if (deleted === 0) return 'finished';
      }
      return 'stopped';
    },
  };
}

/**
 * Deletes contacts for good: their identities go with them, so the next message from one of those
 * identities makes a new contact; `contact.deleted` tells downstream services to drop the history.
 * Contacts merged into a deleted one go too (they are part of it) and are listed in the event.
 */
async function deleteContacts(ctx: ChangeContext, ids: string[]): Promise<string[]> {
  const rows = await lockForDeletion(ctx.trx, ids);
  const live = rows.map((row) => row.id);
  await deleteContactRows(ctx.trx, live);
  for (const row of rows) {
    ctx.emit({ type: 'contact.deleted', contactId: row.id, mergedContactIds: row.merged });
    ctx.audit({ action: 'contact.deleted', targetType: 'contact', targetId: row.id, before: { name: row.name } });
  }
  return live;
}
