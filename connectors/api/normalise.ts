import { newEnvelope, type Envelope } from '../envelope.js';
import type { ApiMessage } from './schema.js';

/** Pure: API-channel messages → envelopes. Senders are `api_user`s scoped by the account that relays them. */
export function normaliseApiMessages(messages: ApiMessage[], receivedAt: Date): Envelope[] {
  return messages.map((message) => {
    const { id: senderId, ...profile } = message.sender;
    return newEnvelope({
      channel: 'api',
      account: message.account,
      sender: { kind: 'api_user', id: senderId, scope: message.account },
      profile,
      message: {
        providerId: message.id,
        text: message.text,
        attachments: message.attachments ?? [],
        sentAt: message.sentAt ? new Date(message.sentAt).toISOString() : receivedAt.toISOString(),
        threadId: message.threadId,
      },
    }, receivedAt);
  });
}
