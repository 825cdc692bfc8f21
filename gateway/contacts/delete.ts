import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from '../../config/logger.js';
import type { Db } from '../../db/client.js';
import type { Actor } from '../../db/repositories/audit.js';
import { findJob, insertJob, toJobJson, unfinishedJobs, updateJob, type JobJson, type JobRow } from '../../db/repositories/jobs.js';
import { query } from '../../db/sql.js';
import type { ChangeContext, RunChange } from './change.js';
import { compileFilter, filterSchema, type Filter, type SqlFragment } from './filters.js';

const BATCH = 500;

/**
 * Deletes contacts for good: their identities go with them, so the next message from one of those
 * identities makes a new contact; `contact.deleted` tells downstream services to drop the history.
 * Contacts merged into a deleted one go too (they are part of it) and are listed in the event.
 */
export async function deleteContacts(ctx: ChangeContext, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await query<{ id: string; name: string; merged: string[] }>(ctx.trx,
    `SELECT c.id, c.display_name AS name, ARRAY(SELECT m.id FROM contacts m WHERE m.merged_into = c.id ORDER BY m.id) AS merged
       FROM contacts c WHERE c.id = ANY(?::uuid[]) AND c.merged_into IS NULL ORDER BY c.id FOR UPDATE`, [ids]);
  const live = rows.map((row) => row.id);
  await query(ctx.trx, 'DELETE FROM contacts WHERE merged_into = ANY(?::uuid[])', [live]);
  await query(ctx.trx, 'DELETE FROM contacts WHERE id = ANY(?::uuid[])', [live]);
  for (const row of rows) {
    ctx.emit({ type: 'contact.deleted', contactId: row.id, mergedContactIds: row.merged });
    ctx.audit({ action: 'contact.deleted', targetType: 'contact', targetId: row.id, before: { name: row.name } });
  }
  return live;
}

export type DeleteSelection = { ids: string[] } | { filter: Filter } | { all: true };

export interface DeleteJobs {
  /** Records the job and starts it in the background; progress at `GET /api/jobs/:id`. */
  start(actor: Actor, selection: DeleteSelection): Promise<JobJson>;
  /** Restarts jobs a stopped gateway left unfinished. */
  resume(): Promise<void>;
  /** Waits for running jobs to reach a batch boundary. */
  stop(): Promise<void>;
}

export function createDeleteJobs(deps: { db: Db; runChange: RunChange; logger: Logger; clock: () => Date }): DeleteJobs {
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
    const where = selectionWhere(job.params as DeleteSelection, job.created_at);
    const actor = { keyId: job.created_by ?? '00000000-0000-0000-0000-000000000000', name: `delete job ${job.id}` };
    while (!stopping) {
      const deleted = await deps.runChange(actor, async (ctx) => {
        const ids = await query<{ id: string }>(ctx.trx,
          `SELECT c.id FROM contacts c WHERE c.merged_into IS NULL AND c.created_at <= ? AND (${where.text})
            ORDER BY c.id LIMIT ?`, [job.created_at, ...where.params, BATCH]);
        const gone = await deleteContacts(ctx, ids.map((row) => row.id));
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
      const job = await deps.db.transaction(async (trx: Knex.Transaction) => {
        const [{ total } = { total: 0 }] = await query<{ total: number }>(trx,
          `SELECT count(*)::int AS total FROM contacts c WHERE c.merged_into IS NULL AND (${where.text})`, where.params);
        return insertJob(trx, { id: randomUUID(), kind: 'contacts.delete', total, params: selection, createdBy: actor.keyId, at: now });
      });
      launch(job);
      return toJobJson(job);
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

export async function jobStatus(db: Db, id: string): Promise<JobJson | undefined> {
  const row = await findJob(db, id);
  return row && toJobJson(row);
}

function selectionWhere(selection: DeleteSelection, now: Date): SqlFragment {
  if ('ids' in selection) return { text: 'c.id = ANY(?::uuid[])', params: [selection.ids] };
  if ('filter' in selection) return compileFilter(filterSchema.parse(selection.filter), now);
  return { text: 'TRUE', params: [] };
}
