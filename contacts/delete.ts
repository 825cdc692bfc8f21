import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Logger } from '../config/logger.js';
import { countMatching, deleteContactRows, lockForDeletion, nextMatchingIds } from '../db/repositories/deletions.js';
import { findJob, insertJob, toJobJson, unfinishedJobs, updateJob, type JobJson, type JobRow } from '../db/repositories/jobs.js';
import { parseWith } from '../identity/parse.js';
import type { Actor, ChangeContext, ContactsContext } from './change.js';
import { NotFoundError } from './errors.js';
import { compileFilter, type SqlFragment } from './filters.js';
import { deleteContactsSchema } from './schema.js';

const BATCH = 500;

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

export type DeleteSelection = z.infer<typeof deleteContactsSchema>;

/** Deleting one contact at once, or many as a background job with progress. */
export function deletionOperations(context: ContactsContext, logger: Logger) {
  const jobs = createDeleteJobs({ ...context, logger });
  return {
    one: async (actor: Actor, id: string) => {
      const deleted = await context.run(actor, (ctx) => deleteContacts(ctx, [id]));
      if (deleted.length === 0) throw new NotFoundError(`contact ${id} does not exist`);
    },
    jobs,
  };
}

export interface DeleteJobs {
  /** Records the job and starts it in the background; progress at `GET /api/jobs/:id`. */
  start(actor: Actor, selection: DeleteSelection): Promise<JobJson>;
  status(id: string): Promise<JobJson | undefined>;
  /** Restarts jobs a stopped gateway left unfinished. */
  resume(): Promise<void>;
  /** Waits for running jobs to reach a batch boundary. */
  stop(): Promise<void>;
}

function createDeleteJobs(deps: ContactsContext & { logger: Logger }): DeleteJobs {
  const log = deps.logger.child({ module: 'delete-jobs' });
  const running = new Map<string, Promise<void>>();
  let stopping = false;

  function launch(job: JobRow): void {
    if (running.has(job.id)) return;
    const work = run(job).catch(async (error: unknown) => {
      log.error({ err: error, jobId: job.id }, 'delete job failed');
      await updateJob(deps.db, job.id, { status: 'failed', error: (error as Error).message, finishedAt: deps.clock() }).catch(() => {});
    }).finally(() => running.delete(job.id));
    running.set(job.id, work);
  }

  async function run(job: JobRow): Promise<void> {
    await updateJob(deps.db, job.id, { status: 'running' });
    // The selection was checked when the job was started; it is read back through the same schema.
    const where = selectionWhere(parseWith(deleteContactsSchema, job.params, ['job', 'params']), job.created_at);
    const actor = { keyId: job.created_by ?? '00000000-0000-0000-0000-000000000000', name: `delete job ${job.id}` };
    while (!stopping) {
      const deleted = await deps.run(actor, async (ctx) => {
        const gone = await deleteContacts(ctx, await nextMatchingIds(ctx.trx, where, job.created_at, BATCH));
        await updateJob(ctx.trx, job.id, { addDone: gone.length });
        return gone.length;
      });
      if (deleted === 0) {
        await updateJob(deps.db, job.id, { status: 'succeeded', finishedAt: deps.clock() });
        log.info({ jobId: job.id }, 'delete job finished');
        return;
      }
    }
  }

  return {
    async start(actor, selection) {
      const now = deps.clock();
      const where = selectionWhere(selection, now);
      const job = await deps.db.transaction(async (trx) => insertJob(trx, { id: randomUUID(), kind: 'contacts.delete',
        total: await countMatching(trx, where), params: selection, createdBy: actor.keyId, at: now }));
      launch(job);
      return toJobJson(job);
    },
    async status(id) {
      const row = await findJob(deps.db, id);
      return row && toJobJson(row);
    },
    async resume() {
      for (const job of await unfinishedJobs(deps.db)) launch(job);
    },
    async stop() {
      stopping = true;
      await Promise.all(running.values());
    },
  };
}


function selectionWhere(selection: DeleteSelection, now: Date): SqlFragment {
  if ('ids' in selection) return { text: 'c.id = ANY(?::uuid[])', params: [selection.ids] };
  if ('filter' in selection) return compileFilter(selection.filter, now);
  return { text: 'TRUE', params: [] };
}
