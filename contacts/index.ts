import type { Producer } from 'kafkajs';
import type { Logger } from '../config/logger.js';
import type { Db } from '../db/client.js';
import { accessOperations } from './access.js';
import { fieldOperations, noteOperations, tagOperations, viewOperations } from './annotations.js';
import { createChangeRunner, type ContactsContext } from './change.js';
import { deletionOperations } from './delete.js';
import { createEventRelay } from './event-relay.js';
import { mergeOperations } from './merge.js';
import { profileOperations } from './profiles.js';
import { searchOperations } from './search.js';
import { suggestionOperations } from './suggestions.js';
import { transferOperations } from './transfer.js';

export interface ContactsDeps {
  db: Db;
  /** Relays contact events from the outbox to `eventsTopic`. */
  producer: Producer;
  eventsTopic: string;
  logger: Logger;
  clock: () => Date;
  /** How often leftover events are relayed (a crash or a Kafka outage between commit and relay). */
  relayIntervalMs?: number;
}

/**
 * The contacts domain: every change to a contact (create, edit, block, tag, note, remove an identity, dismiss
 * a suggestion, delete, merge, undo) runs here, in one transaction with its audit entry and its outbox event.
 * Adapters (the HTTP routes) parse a request, call one of these operations and answer; none touches SQL.
 */
export function createContacts(deps: ContactsDeps) {
  const events = createEventRelay({ db: deps.db, producer: deps.producer, topic: deps.eventsTopic, logger: deps.logger,
    intervalMs: deps.relayIntervalMs });
  const context: ContactsContext = { db: deps.db, clock: deps.clock, run: createChangeRunner({ ...deps, events }) };
  const deletion = deletionOperations(context, deps.logger);
  return {
    profiles: profileOperations(context),
    search: searchOperations(context),
    tags: tagOperations(context),
    notes: noteOperations(context),
    fields: fieldOperations(context),
    views: viewOperations(context),
    merges: mergeOperations(context),
    suggestions: suggestionOperations(context),
    transfer: transferOperations(context),
    deletion,
    access: accessOperations(context),
    /** Resumes the background jobs a stopped process left unfinished. */
    async start(): Promise<void> {
      await deletion.jobs.resume();
    },
    /** Lets running jobs reach a batch boundary and relays the last events. */
    async stop(): Promise<void> {
      await deletion.jobs.stop();
      await events.stop();
    },
  };
}

export type Contacts = ReturnType<typeof createContacts>;
