import { randomBytes } from 'node:crypto';
import { envelopeId, senderKey, type Envelope } from '../../connectors/envelope.js';
import type { Channel, SenderKind } from '../../identity/channels.js';
import type { Message } from 'kafkajs';

/** A valid inbound envelope for tests that publish straight to the inbound topic. */
export function envelope(input: { channel: Channel; account: string; kind: SenderKind; id: string; scope?: string;
  providerId?: string; profile?: Envelope['profile']; text?: string }): Envelope {
  const providerId = input.providerId ?? randomBytes(8).toString('hex');
  const now = new Date().toISOString();
  return {
    v: 1,
    id: envelopeId(input.channel, input.account, providerId),
    channel: input.channel,
    account: input.account,
    sender: { kind: input.kind, id: input.id, ...(input.scope ? { scope: input.scope } : {}) },
    profile: input.profile ?? {},
    message: { providerId, text: input.text ?? 'hello', attachments: [], sentAt: now },
    receivedAt: now,
  };
}

export function inboundMessage(value: Envelope): Message {
  return { key: senderKey(value.sender), value: JSON.stringify(value) };
}

export function apiMessage(senderId: string, overrides: Record<string, unknown> = {}) {
  return { id: randomBytes(8).toString('hex'), account: 'acme-app', sender: { id: senderId }, text: 'hi', ...overrides };
}

/** A random German mobile number that is valid under libphonenumber's full metadata (0151 1…), in E.164. */
export function randomPhone(): string {
  return `+491511${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
}
