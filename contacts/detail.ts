import type { Knex } from 'knex';
import { findContactRow, toContactJson, type ContactJson } from '../db/repositories/contact-profiles.js';
import { listContactIdentities } from '../db/repositories/identities.js';
import { countNotes } from '../db/repositories/notes.js';
import { countOpenDuplicates } from '../db/repositories/suggestions.js';
import { CHANNELS, channelOfStoredKind, type Channel } from '../identity/channels.js';

export interface IdentityJson {
  id: string;
  channel: Channel;
  kind: string;
  scope: string;
  value: string;
  connectedAt: string;
  lastMessageAt: string | null;
  messageCount: number;
}

export interface ContactDetail extends ContactJson {
  identities: IdentityJson[];
  channels: {
    /** Identities that have talked to us, with when they were connected. */
    active: { channel: Channel; identityId: string; value: string; connectedAt: string }[];
    /** Reachable but not used yet: SMS and WhatsApp when a phone is known, email when an address is. */
    inactive: Channel[];
    /** Channels only the customer can open. */
    unavailable: Channel[];
  };
  notesCount: number;
  duplicatesCount: number;
}

export type ContactLookup = { kind: 'found'; contact: ContactDetail } | { kind: 'merged'; into: string } | { kind: 'missing' };

export async function contactDetail(db: Knex, id: string): Promise<ContactLookup> {
  return db.transaction(async (trx) => {
    const row = await findContactRow(trx, id);
    if (!row) return { kind: 'missing' };
    if (row.merged_into) return { kind: 'merged', into: row.merged_into };
    const identities = (await listContactIdentities(trx, id)).map((identity): IdentityJson => ({
      id: identity.id, channel: channelOfStoredKind(identity.kind), kind: identity.kind,
      scope: identity.scope, value: identity.value, connectedAt: identity.created_at.toISOString(),
      lastMessageAt: identity.last_inbound_at?.toISOString() ?? null, messageCount: identity.message_count ?? 0,
    }));
    const duplicates = await countOpenDuplicates(trx, [id]);
    const contact = toContactJson(row);
    return { kind: 'found', contact: { ...contact, identities, channels: channelsOf(contact, identities),
      notesCount: await countNotes(trx, id), duplicatesCount: duplicates.get(id) ?? 0 } };
  }, { readOnly: true });
}

function channelsOf(contact: ContactJson, identities: IdentityJson[]): ContactDetail['channels'] {
  const active = identities.map((i) => ({ channel: i.channel, identityId: i.id, value: i.value, connectedAt: i.connectedAt }));
  const used = new Set(active.map((a) => a.channel));
  const reachable = new Set<Channel>([...(contact.phone ? ['sms', 'whatsapp'] as const : []), ...(contact.email ? ['email'] as const : [])]);
  const open = CHANNELS.filter((channel) => channel !== 'api' && !used.has(channel));
  return {
    active,
    inactive: open.filter((channel) => reachable.has(channel)),
    unavailable: open.filter((channel) => !reachable.has(channel)),
  };
}
