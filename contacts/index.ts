import type { Producer } from 'kafkajs';
import type { Logger } from '../config/logger.js';
import type { Db } from '../db/client.js';
import { accessOperations } from './access.js';
import { fieldOperations, noteOperations, tagOperations, viewOperations } from './annotations.js';
import { createChangeRunner, type ContactsContext } from './change.js';
import { channelOperations } from './channels.js';
import { deleteJobHandler, deletionOperations } from './delete.js';
import { createEventRelay } from './event-relay.js';
import { exportOperations } from './export.js';
import { importJobHandler, importOperations, type ImportLimits } from './import.js';
import { createJobRunner } from './jobs.js';
import { mergeOperations } from './merge.js';
import { profileOperations } from './profiles.js';
import { searchOperations } from './search.js';
import { suggestionOperations } from './suggestions.js';
import { webchatOperations } from './webchat.js';

export interface ContactsDeps {
  db: Db;
  /** Relays contact events from the outbox to `eventsTopic`. */
  producer: Producer;
  eventsTopic: string;
  logger: Logger;
  clock: () => Date;
  /** How often leftover events are relayed (a crash or a Kafka outage between commit and relay). */
  relayIntervalMs?: number;
  /** How long one search statement may run (default 10 s). */
  searchTimeoutMs?: number;
  imports?: ImportLimits;
}

/**
 * The contacts domain: every change to a contact (create, edit, block, tag, note, remove an identity, dismiss
 * a suggestion, delete, merge, undo) runs here, in one transaction with its audit entry and its outbox event.
 * Adapters (the HTTP routes) parse a request, call one of these operations and answer; none touches SQL.
 */
export function createContacts(deps: ContactsDeps) {
  const events = createEventRelay({ db: deps.db, producer: deps.producer, topic: deps.eventsTopic, logger: deps.logger,
    intervalMs: deps.relayIntervalMs });
  const context: ContactsContext = { db: deps.db, clock: deps.clock, run: createChangeRunner({ ...deps, events }),
    searchTimeoutMs: deps.searchTimeoutMs ?? 10_000 };
  const jobs = createJobRunner({ db: deps.db, logger: deps.logger, clock: deps.clock,
    handlers: [deleteJobHandler(context), importJobHandler(context)] });
  return {
    profiles: profileOperations(context),
    search: searchOperations(context),
    tags: tagOperations(context),
    notes: noteOperations(context),
    fields: fieldOperations(context),
    views: viewOperations(context),
    merges: mergeOperations(context),
    suggestions: suggestionOperations(context),
    exports: exportOperations(context),
    imports: importOperations(jobs, deps.imports ?? { maxRows: 100_000 }),
    deletion: deletionOperations(context, jobs),
    /** Background jobs (deletes, imports): their progress and, when finished, their result. */
    jobs: { status: (id: string) => jobs.status(id) },
    access: accessOperations(context),
    webchat: webchatOperations(context),
    /** Stream connectors in other processes: their states, and requests to them. */
    channels: channelOperations(context),
    /** Resumes the background jobs a stopped process left unfinished. */
    async start(): Promise<void> {
      await jobs.resume();
    },
    /** Lets running jobs reach a batch boundary and relays the last events. */
    async stop(): Promise<void> {
      await jobs.stop();
      await events.stop();
    },
  };
}

export type Contacts = ReturnType<typeof createContacts>;
