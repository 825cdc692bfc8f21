import type { ContactFields, ContactState, InboundContactUpdate } from '../../db/repositories/contacts.js';
import type { DropDelta, InteractionDelta } from '../../db/repositories/interactions.js';
import type { SenderFacts } from './identity.js';
import type { Decision } from './resolve.js';

/** Pure folds of a batch's decisions into one row per contact or identity, for set-based writes. */

export function mergeFields(facts: Pick<SenderFacts, 'fields'>[]): ContactFields {
  const merged: ContactFields = {};
  for (const { fields } of facts) {
    for (const [name, value] of Object.entries(fields) as [keyof ContactFields, string | undefined][]) {
      if (value !== undefined && merged[name] === undefined) merged[name] = value;
    }
  }
  return merged;
}

export function contactUpdates(decisions: Decision[]): InboundContactUpdate[] {
  return [...groupBy(decisions, (d) => d.contactId)].map(([id, group]) => ({
    ...mergeFields(group.map((d) => d.facts)),
    id,
    lastInboundAt: latest(group),
  }));
}

/** How far a contact's last interaction may lag behind its newest message (see LAST_INTERACTION_GRANULARITY). */
const LAST_INTERACTION_LAG_MS = 60_000;

/**
 * Whether an update changes the contact as stored: fills an empty field, replaces a generated name, or moves
 * the last interaction on by a minute or more. Contacts it does not change are not written (the UPDATE's own
 * conditions say the same; this keeps them out of the statement).
 */
export function changesContact(update: InboundContactUpdate, state: ContactState | undefined): boolean {
  const stored = state?.stored;
  if (!stored) return true;
  if (stored.nameGenerated && update.displayName !== undefined) return true;
  if ([...stored.empty].some((field) => update[field] !== undefined)) return true;
  return stored.lastInteractionAt === null || update.lastInboundAt.getTime() - stored.lastInteractionAt >= LAST_INTERACTION_LAG_MS;
}

export function interactionDeltas(decisions: Decision[]): InteractionDelta[] {
  return [...groupBy(decisions, (d) => d.identityId)].map(([identityId, group]) => {
    const last = group.reduce((a, b) => (b.receivedAt >= a.receivedAt ? b : a));
    return {
      identityId,
      contactId: group[0]!.contactId,
      firstAt: new Date(Math.min(...group.map((d) => d.receivedAt))),
      lastAt: new Date(last.receivedAt),
      count: group.length,
      lastChannel: last.item.envelope.channel,
    };
  });
}

export function blockedDrops(decisions: Decision[]): DropDelta[] {
  return [...groupBy(decisions, (d) => d.contactId)].map(([contactId, group]) => ({
    contactId, count: group.length, lastAt: latest(group),
  }));
}

/** When the newest of these messages arrived. */
const latest = (group: Decision[]) => new Date(Math.max(...group.map((d) => d.receivedAt)));

/** Items by key, each group in the items' order. */
export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
