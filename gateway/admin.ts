import type { Logger } from '../config/logger.js';
import type { Db } from '../db/client.js';
import { createChangeRunner, type RunChange } from './contacts/change.js';
import { createDeleteJobs, type DeleteJobs } from './contacts/delete.js';
import type { EventRelay } from './event-relay.js';

/** The admin API's moving parts: the change runner and the background delete jobs that use it. */
export function createAdmin(deps: { db: Db; events: EventRelay; logger: Logger; clock: () => Date }):
  { runChange: RunChange; deleteJobs: DeleteJobs } {
  const runChange = createChangeRunner(deps);
  return { runChange, deleteJobs: createDeleteJobs({ ...deps, runChange }) };
}
