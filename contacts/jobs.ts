import { randomUUID } from 'node:crypto';
import type { Logger } from '../config/logger.js';
import type { Db } from '../db/client.js';
import { findJob, insertJob, toJobJson, unfinishedJobs, updateJob, type JobJson, type JobRow, type NewJob }
  from '../db/repositories/jobs.js';
import type { Actor } from './change.js';

/** One kind of background job: its work, resumable from what the job row says was done. */
export interface JobHandler {
  kind: string;
  /**
   * Works through the job in batches, each committed with the job's progress, until it is done (`finished`)
   * or `stopping()` says the process is shutting down (`stopped`: another start resumes it).
   */
  run(job: JobRow, stopping: () => boolean): Promise<'finished' | 'stopped'>;
}

export interface JobRunner {
  /** Records a job and starts it in the background; progress at `GET /api/jobs/:id`. */
  start(actor: Actor, job: Omit<NewJob, 'id' | 'createdBy' | 'at'>): Promise<{ job: JobJson; created: boolean; requestHash: string | null }>;
  status(id: string): Promise<JobJson | undefined>;
  /** Restarts jobs a stopped gateway left unfinished. */
  resume(): Promise<void>;
  /** Waits for running jobs to reach a batch boundary. */
  stop(): Promise<void>;
}

/**
 * Runs the contacts module's background jobs (bulk deletes, imports) in the gateway process: no request waits
 * on them and no request timeout cuts them short. A job that fails is marked `failed` with the reason.
 */
export function createJobRunner(deps: { db: Db; logger: Logger; clock: () => Date; handlers: JobHandler[] }): JobRunner {
  const log = deps.logger.child({ module: 'jobs' });
  const handlers = new Map(deps.handlers.map((handler) => [handler.kind, handler]));
  const running = new Map<string, Promise<void>>();
  let stopping = false;

  function launch(job: JobRow): void {
    const handler = handlers.get(job.kind);
    if (running.has(job.id) || !handler) return;
    const work = (async () => {
      await updateJob(deps.db, job.id, { status: 'running' });
      if ((await handler.run(job, () => stopping)) === 'stopped') return;
      await updateJob(deps.db, job.id, { status: 'succeeded', finishedAt: deps.clock() });
      log.info({ jobId: job.id, kind: job.kind }, 'job finished');
    })().catch(async (error: unknown) => {
      log.error({ err: error, jobId: job.id, kind: job.kind }, 'job failed');
      await updateJob(deps.db, job.id, { status: 'failed', error: (error as Error).message, finishedAt: deps.clock() }).catch(() => {});
    }).finally(() => running.delete(job.id));
    running.set(job.id, work);
  }

  return {
    async start(actor, input) {
      const { job, created } = await deps.db.transaction((trx) =>
        insertJob(trx, { ...input, id: randomUUID(), createdBy: actor.keyId, at: deps.clock() }));
      if (created) launch(job);
      return { job: toJobJson(job), created, requestHash: job.request_hash };
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
