import type { Knex } from 'knex';
import { CHANNELS, type Channel } from '../../connectors/envelope.js';
import { findContactRow, toContactJson, type ContactJson } from '../../db/repositories/contact-profiles.js';
import { countOpenDuplicates } from '../../db/repositories/suggestions.js';
import { query } from '../../db/sql.js';
import { CHANNEL_KINDS } from './filters.js';

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

const CHANNEL_OF_KIND = new Map<string, Channel>(
  Object.entries(CHANNEL_KINDS).flatMap(([channel, kinds]) => kinds.map((kind) => [kind, channel as Channel])));

export type ContactLookup = { kind: 'found'; contact: ContactDetail } | { kind: 'merged'; into: string } | { kind: 'missing' };

export async function contactDetail(db: Knex, id: string): Promise<ContactLookup> {
  return db.transaction(async (trx) => {
    const row = await findContactRow(trx, id);
    if (!row) return { kind: 'missing' };
    if (row.merged_into) return { kind: 'merged', into: row.merged_into };
    const identities = await query<{ id: string; kind: string; scope: string; value: string; created_at: Date;
      last_inbound_at: Date | null; message_count: number | null }>(trx,
      `SELECT i.id, i.kind, i.scope, i.value, i.created_at, n.last_inbound_at, n.message_count
         FROM contact_identities i LEFT JOIN interactions n ON n.identity_id = i.id
        WHERE i.contact_id = ? ORDER BY i.created_at, i.id`, [id]);
    const [{ notes } = { notes: 0 }] = await query<{ notes: number }>(trx,
      'SELECT count(*)::int AS notes FROM notes WHERE contact_id = ?', [id]);
    const duplicates = await countOpenDuplicates(trx, [id]);
    const identityJson = identities.map((identity): IdentityJson => ({
      id: identity.id, channel: CHANNEL_OF_KIND.get(identity.kind) ?? 'api', kind: identity.kind, scope: identity.scope,
      value: identity.value, connectedAt: identity.created_at.toISOString(),
      lastMessageAt: identity.last_inbound_at?.toISOString() ?? null, messageCount: identity.message_count ?? 0,
    }));
    const contact = toContactJson(row);
    return { kind: 'found', contact: { ...contact, identities: identityJson, channels: channelsOf(contact, identityJson),
      notesCount: notes, duplicatesCount: duplicates.get(id) ?? 0 } };
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
