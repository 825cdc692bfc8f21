import type { Cte } from '../sql.js';

export interface InteractionDelta {
  identityId: string;
  contactId: string;
  firstAt: Date;
  lastAt: Date;
  count: number;
  lastChannel: string;
}

export interface DropDelta {
  contactId: string;
  count: number;
  lastAt: Date;
}

/**
 * Per contact and identity: first/last inbound time, message count and last channel. A part of the resolver's
 * batch statement (`db/repositories/batch.ts`); none without deltas.
 */
export function interactionCtes(deltas: InteractionDelta[]): Cte[] {
  if (deltas.length === 0) return [];
  return [{
    name: 'recorded_interactions',
    text: `INSERT INTO interactions (identity_id, contact_id, first_inbound_at, last_inbound_at, message_count, last_channel)
     SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[], ?::timestamptz[], ?::bigint[], ?::text[])
     ORDER BY 1
     ON CONFLICT (identity_id) DO UPDATE SET
       contact_id = EXCLUDED.contact_id,
       first_inbound_at = LEAST(interactions.first_inbound_at, EXCLUDED.first_inbound_at),
       last_channel = CASE WHEN EXCLUDED.last_inbound_at >= interactions.last_inbound_at
                           THEN EXCLUDED.last_channel ELSE interactions.last_channel END,
       last_inbound_at = GREATEST(interactions.last_inbound_at, EXCLUDED.last_inbound_at),
       message_count = interactions.message_count + EXCLUDED.message_count`,
    params: [deltas.map((d) => d.identityId), deltas.map((d) => d.contactId), deltas.map((d) => d.firstAt),
      deltas.map((d) => d.lastAt), deltas.map((d) => d.count), deltas.map((d) => d.lastChannel)],
  }];
}

/** Messages silently dropped because their contact is blocked: a counter and the last attempt (a batch statement part). */
export function blockedDropCtes(deltas: DropDelta[]): Cte[] {
  if (deltas.length === 0) return [];
  return [{
    name: 'recorded_drops',
    text: `INSERT INTO blocked_drops (contact_id, dropped_count, last_attempt_at)
     SELECT * FROM unnest(?::uuid[], ?::bigint[], ?::timestamptz[]) ORDER BY 1
     ON CONFLICT (contact_id) DO UPDATE SET
       dropped_count = blocked_drops.dropped_count + EXCLUDED.dropped_count,
       last_attempt_at = GREATEST(blocked_drops.last_attempt_at, EXCLUDED.last_attempt_at)`,
    params: [deltas.map((d) => d.contactId), deltas.map((d) => d.count), deltas.map((d) => d.lastAt)],
  }];
}
