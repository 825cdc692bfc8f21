import { randomUUID } from 'node:crypto';
import { DirectTransaction, type Transaction } from '../../db/sql.js';
import type { Envelope, ResolvedEnvelope } from '../../connectors/envelope.js';
import type { Db } from '../../db/client.js';
import { openBatch, writeBatch } from '../../db/repositories/batch.js';
import { contactSummaries, findTrustedContacts, insertContacts, lockContactStates, type ContactState,
  type NewContact } from '../../db/repositories/contacts.js';
import type { BusinessAddress } from '../../db/repositories/business-addresses.js';
import { claimIdentities, findIdentities, type IdentityClaim, type IdentityRow } from '../../db/repositories/identities.js';
import type { LedgerEntry, SourcePosition } from '../../db/repositories/ledger.js';
import { findFlaggedBy, type FlaggedDuplicate } from '../../db/repositories/suggestions.js';
import { identityKeyString, type IdentityKey } from '../../identity/keys.js';
import { businessAddressOf, defaultDisplayName, senderFacts, type SenderFacts } from './identity.js';
import { blockedDrops, changesContact, contactUpdates, groupBy, interactionDeltas, mergeFields } from './aggregate.js';

/**
 * Another resolver committed one of this batch's envelope ids while this batch was being resolved: the same id
 * under another sender key, on another partition (a client that reused a message id). This transaction rolls
 * back and the batch runs again; then the ledger has the id and it is not published a second time.
 */
export class ConcurrentDeliveryError extends Error {
  override name = 'ConcurrentDeliveryError';
  readonly retriable = true;
  constructor() {
    super('an envelope of this batch was resolved meanwhile from another partition; resolving the batch again');
  }
}

export interface InboundItem {
  envelope: Envelope;
  source: SourcePosition;
  /** The record's value when it is `envelope` exactly as `JSON.stringify` wrote it (a publisher-checked record). */
  json?: Buffer;
}

export interface DuplicateFlaggedEvent {
  type: 'duplicate_flagged';
  suggestionId: string;
  contactId: string;
  otherContactId: string;
  field: 'email' | 'phone';
  value: string;
  reason: string;
  /** The message whose email or phone raised it. */
  envelopeId: string | null;
  at: string;
}

export interface BatchResult {
  resolved: ResolvedEnvelope[];
  events: DuplicateFlaggedEvent[];
  /** Messages from blocked contacts, dropped silently. */
  dropped: number;
  /** Deliveries of an envelope id that was already processed from another offset (provider retries). */
  duplicates: number;
}

/** One fresh envelope after matching: the contact it belongs to and what happened to it. */
export interface Decision {
  item: InboundItem;
  facts: SenderFacts;
  identityId: string;
  contactId: string;
  isNew: boolean;
  /** The contact was created by this batch (from these messages' fields). */
  created: boolean;
  /** When the message arrived (the envelope's `receivedAt`, parsed once), in ms since the epoch. */
  receivedAt: number;
  outcome: 'resolved' | 'dropped';
}

/**
 * Every statement of a batch looks rows up by key (an index), and a plan that scans a table instead was planned
 * on statistics older than the table: a prepared statement keeps the plan it made for a table that was nearly
 * empty (a new deployment, or a drain that outgrew the last ANALYZE) until the table is next ANALYZEd. Scans
 * are priced out for the batch's transaction; where no index fits, PostgreSQL still scans.
 */
const INDEX_LOOK_UPS_ONLY = { enable_seqscan: 'off' };

/**
 * Resolves a batch of inbound envelopes to contacts in one database transaction with a fixed number of
 * set-based statements, whatever the batch size. Re-running a batch that was committed (a resolver that
 * died before its Kafka transaction did) yields the same records and events again, without counting twice.
 */
export async function resolveBatch(db: Db, items: InboundItem[], now: Date): Promise<BatchResult> {
  return DirectTransaction.run(db, async (trx) => {
    const unique = firstOfEachEnvelope(items);
    const { ledger, business } = await openBatch(trx, unique.map((item) => item.envelope.id), accountAddresses(unique));
    const replays: { item: InboundItem; entry: LedgerEntry }[] = [];
    const fresh: InboundItem[] = [];
    for (const item of unique) {
      const entry = ledger.get(item.envelope.id);
      if (!entry) fresh.push(item);
      else if (samePosition(entry.source, item.source)) replays.push({ item, entry });
    }
    const { decisions, states } = await decide(trx, fresh, business, now);
    const flagged = [
      ...(await findFlaggedBy(trx, replays.map(({ item }) => item.envelope.id))),
      ...(await record(trx, decisions, states, now)),
    ];

    const outcomes = new Map<string, { contactId: string; isNew: boolean; outcome: string }>([
      ...replays.map(({ item, entry }) => [item.envelope.id, entry] as const),
      ...decisions.map((d) => [d.item.envelope.id, d] as const),
    ]);
    const resolvedItems = unique.filter((item) => outcomes.get(item.envelope.id)?.outcome === 'resolved');
    const contactIds = [...new Set(resolvedItems.map((item) => outcomes.get(item.envelope.id)!.contactId))];
    const summaries = await contactSummaries(trx, contactIds);
    const resolvedAt = now.toISOString();
    return {
      resolved: resolvedItems.map(({ envelope }) => {
        const { contactId, isNew } = outcomes.get(envelope.id)!;
        const summary = summaries.get(contactId);
        const contact = { id: contactId, isNew, displayName: summary?.displayName ?? '', potentialDuplicates: summary?.potentialDuplicates ?? 0 };
        return { ...envelope, contact, resolvedAt };
      }),
      events: flagged.map((f) => duplicateFlagged(f, resolvedAt)),
      dropped: decisions.filter((d) => d.outcome === 'dropped').length,
      duplicates: items.length - replays.length - fresh.length,
    };
  }, INDEX_LOOK_UPS_ONLY);
}

/** Matches each fresh envelope's sender to a contact, creating identities and contacts that are missing. */
async function decide(trx: Transaction, fresh: InboundItem[], business: Set<string>, now: Date):
  Promise<{ decisions: Decision[]; states: Map<string, ContactState> }> {
  if (fresh.length === 0) return { decisions: [], states: new Map() };
  const facts = fresh.map((item) => senderFacts(item.envelope, business));
  const factKeys = facts.map((f) => identityKeyString(f.identity));
  const receivedAt = fresh.map((item) => Date.parse(item.envelope.receivedAt));
  const factsByKey = groupBy(facts, (f) => identityKeyString(f.identity));
  const keys = uniqueKeys(facts.map((f) => f.identity));
  const found = byKey(await findIdentities(trx, uniqueKeys([...keys, ...facts.flatMap((f) => f.aliases)])));
  const claims: IdentityClaim[] = keys
    .filter((key) => !found.has(identityKeyString(key)))
    .map((key) => ({ ...key, id: randomUUID(), contactId: randomUUID() }));
  const viaAlias = attachToAliasContacts(claims, factsByKey, found);
  shareNewContactsByAlias(claims.filter((claim) => !viaAlias.has(claim)), factsByKey);
  const viaTrustedPoint = await attachToTrustedContacts(trx, claims.filter((claim) => !viaAlias.has(claim)));
  const attached = new Set([...viaAlias, ...viaTrustedPoint]);
  const won = byKey(await claimIdentities(trx, claims, now));
  const created = newContacts(claims.filter((c) => won.has(identityKeyString(c)) && !attached.has(c)), factsByKey, arrivals(receivedAt, factKeys));
  await insertContacts(trx, created, now);
  const lost = claims.filter((c) => !won.has(identityKeyString(c)));
  const identities = new Map([...found, ...won, ...byKey(await findIdentities(trx, lost))]);

  const createdIds = new Set(created.map((contact) => contact.id));
  const states = await lockContactStates(trx, [...new Set([...identities.values()].map((row) => row.contact_id))]);
  const attachedKeys = new Set([...attached].map(identityKeyString));
  const firstSeen = new Set<string>();
  const decisions: Decision[] = fresh.map((item, index) => {
    const key = factKeys[index]!;
    const identity = identities.get(key)!;
    // A contact merged away since the identity was read stands for the contact that absorbed it.
    const state = states.get(identity.contact_id)!;
    const isNew = won.has(key) && !attachedKeys.has(key) && !firstSeen.has(state.id);
    firstSeen.add(state.id);
    return { item, facts: facts[index]!, identityId: identity.id, contactId: state.id, isNew,
      created: createdIds.has(state.id), receivedAt: receivedAt[index]!, outcome: state.status === 'blocked' ? 'dropped' : 'resolved' };
  });
  await claimIdentities(trx, newAliases(decisions, found), now);
  return { decisions, states };
}

/** The email addresses and numbers the batch's messages arrived on: the business's own. */
function accountAddresses(items: InboundItem[]): BusinessAddress[] {
  const accounts = new Set(items.map((item) => item.envelope.account));
  return [...accounts].flatMap((account) => businessAddressOf(account) ?? []);
}

/** The newest arrival among the messages of each identity key, in ms. */
function arrivals(receivedAt: number[], factKeys: string[]): Map<string, number> {
  const newest = new Map<string, number>();
  receivedAt.forEach((at, index) => {
    const seen = newest.get(factKeys[index]!);
    if (seen === undefined || at > seen) newest.set(factKeys[index]!, at);
  });
  return newest;
}

/**
 * A new identity that arrives beside an alias we already know (a WhatsApp phone beside a known BSUID) joins
 * the alias's contact. Returns the claims that were pointed at such a contact.
 */
function attachToAliasContacts(claims: IdentityClaim[], factsByKey: Map<string, SenderFacts[]>,
  found: Map<string, IdentityRow>): Set<IdentityClaim> {
  return new Set(claims.filter((claim) => {
    const known = aliasIn(claim, factsByKey, found);
    if (known) claim.contactId = known.contact_id;
    return known !== undefined;
  }));
}

/**
 * New identities of one sender in one batch (a phone beside a BSUID that arrives alone in another message)
 * share the contact that will be created for them, instead of making one each.
 */
function shareNewContactsByAlias(claims: IdentityClaim[], factsByKey: Map<string, SenderFacts[]>): void {
  const claimsByKey = new Map(claims.map((claim) => [identityKeyString(claim), claim]));
  for (const claim of claims) {
    const sibling = aliasIn(claim, factsByKey, claimsByKey);
    if (sibling && sibling !== claim) claim.contactId = sibling.contactId;
  }
}

/** One new contact per contact id among the won claims, with the fields and the newest arrival of every message that made it. */
function newContacts(claims: IdentityClaim[], factsByKey: Map<string, SenderFacts[]>, arrived: Map<string, number>): NewContact[] {
  return [...groupBy(claims, (claim) => claim.contactId).values()].map((group) => {
    const keys = group.map(identityKeyString);
    const lastInboundAt = new Date(Math.max(...keys.map((key) => arrived.get(key)!)));
    return newContact(group[0]!, mergeFields(keys.flatMap((key) => factsByKey.get(key)!)), lastInboundAt);
  });
}

/** The first alias that the messages of a new identity came with and that `among` holds. */
function aliasIn<T>(claim: IdentityClaim, factsByKey: Map<string, SenderFacts[]>, among: Map<string, T>): T | undefined {
  const aliases = factsByKey.get(identityKeyString(claim))!.flatMap((f) => f.aliases);
  return aliases.map((alias) => among.get(identityKeyString(alias))).find((hit) => hit !== undefined);
}

/** Aliases seen for the first time, recorded on the contact their message resolved to (first claim wins). */
function newAliases(decisions: Decision[], found: Map<string, IdentityRow>): IdentityClaim[] {
  const claims = new Map<string, IdentityClaim>();
  for (const decision of decisions) {
    for (const alias of decision.facts.aliases) {
      const key = identityKeyString(alias);
      if (!found.has(key) && !claims.has(key)) claims.set(key, { ...alias, id: randomUUID(), contactId: decision.contactId });
    }
  }
  return uniqueKeys([...claims.values()]);
}

/** Writes what the decisions imply: contact fields, interactions, drop counters, points, the ledger. */
async function record(trx: Transaction, decisions: Decision[], states: Map<string, ContactState>, now: Date):
  Promise<FlaggedDuplicate[]> {
  if (decisions.length === 0) return [];
  const resolved = decisions.filter((d) => d.outcome === 'resolved');
  const { recorded, flagged } = await writeBatch(trx, {
    // Contacts this batch created were written whole already; others only when the messages change them.
    updates: contactUpdates(resolved.filter((d) => !d.created)).filter((update) => changesContact(update, states.get(update.id))),
    interactions: interactionDeltas(resolved),
    drops: blockedDrops(decisions.filter((d) => d.outcome === 'dropped')),
    points: resolved.flatMap((d) => d.facts.points.map((point) => ({ ...point, contactId: d.contactId, envelopeId: d.item.envelope.id }))),
    processed: decisions.map((d) => ({ envelopeId: d.item.envelope.id, contactId: d.contactId, isNew: d.isNew,
      outcome: d.outcome, source: d.item.source })),
  }, now);
  if (recorded < decisions.length) throw new ConcurrentDeliveryError();
  return flagged;
}

/**
 * A new email, SMS or WhatsApp identity whose address a person entered on exactly one live contact joins
 * that contact instead of making a new one. Returns the claims that were pointed at such a contact.
 */
async function attachToTrustedContacts(trx: Transaction, claims: IdentityClaim[]): Promise<Set<IdentityClaim>> {
  const pointOf = (claim: IdentityClaim) => ({ kind: claim.kind === 'email' ? 'email' : 'phone', value: claim.value });
  const candidates = claims.filter((claim) => claim.matchable && TRUSTABLE_KINDS.has(claim.kind));
  const trusted = await findTrustedContacts(trx, candidates.map(pointOf));
  const attached = new Set<IdentityClaim>();
  for (const claim of candidates) {
    const { kind, value } = pointOf(claim);
    const contactId = trusted.get(`${kind}:${value}`);
    if (contactId) {
      claim.contactId = contactId;
      attached.add(claim);
    }
  }
  return attached;
}

const TRUSTABLE_KINDS: ReadonlySet<string> = new Set(['email', 'sms', 'whatsapp']);

function newContact(identity: IdentityClaim, fields: SenderFacts['fields'], lastInboundAt: Date): NewContact {
  return { ...fields, id: identity.contactId, displayName: fields.displayName ?? defaultDisplayName(identity),
    nameGenerated: !fields.displayName, lastInboundAt };
}

function duplicateFlagged(flag: FlaggedDuplicate, at: string): DuplicateFlaggedEvent {
  return { type: 'duplicate_flagged', suggestionId: flag.id, contactId: flag.contactA, otherContactId: flag.contactB,
    field: flag.field, value: flag.value, reason: flag.reason, envelopeId: flag.envelopeId, at };
}

/** The first item of each envelope id: a batch resolves that one, and counts the others as duplicate deliveries. */
export function firstOfEachEnvelope(items: InboundItem[]): InboundItem[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.envelope.id) && seen.add(item.envelope.id));
}

function samePosition(a: SourcePosition, b: SourcePosition): boolean {
  return a.topic === b.topic && a.partition === b.partition && a.offset === b.offset;
}

/** Sorted, so that concurrent resolvers take row locks in the same order and cannot deadlock on them. */
function uniqueKeys<K extends IdentityKey>(keys: K[]): K[] {
  const unique = new Map(keys.map((key) => [identityKeyString(key), key]));
  return [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, key]) => key);
}

function byKey(rows: Pick<IdentityRow, 'kind' | 'scope' | 'value'>[]): Map<string, IdentityRow> {
  return new Map(rows.map((row) => [identityKeyString(row), row as IdentityRow]));
}
