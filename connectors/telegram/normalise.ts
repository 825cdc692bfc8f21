import { newEnvelope, type Attachment } from '../envelope.js';
import { published, skip, type Normalised, type SkipReason } from '../types.js';
import type { TelegramMessage, TelegramUpdate } from './schema.js';

/** Update kinds that are not a customer writing to us. */
const NOT_MESSAGES: ReadonlyMap<string, SkipReason> = new Map(Object.entries({
  edited_message: 'edit', edited_channel_post: 'edit', edited_business_message: 'edit', deleted_business_messages: 'delete',
  message_reaction: 'reaction', message_reaction_count: 'reaction', callback_query: 'not_a_message',
  inline_query: 'not_a_message', chosen_inline_result: 'not_a_message', shipping_query: 'not_a_message',
  pre_checkout_query: 'not_a_message', poll: 'not_a_message', poll_answer: 'not_a_message',
  my_chat_member: 'not_a_message', chat_member: 'not_a_message', chat_join_request: 'not_a_message',
  chat_boost: 'not_a_message', removed_chat_boost: 'not_a_message', business_connection: 'not_a_message',
  purchased_paid_media: 'not_a_message',
} satisfies Record<string, SkipReason>));

/**
 * Pure: one update → the envelope of the message a user sent. In groups and channels the sender is the user
 * in `from`, never the chat; a channel post signed by the channel itself has no user and makes no envelope.
 */
export function normaliseTelegram(update: TelegramUpdate, botId: string, receivedAt: Date): Normalised {
  const message = update.message ?? update.channel_post;
  if (!message) {
    const kind = Object.keys(update).find((key) => key !== 'update_id') ?? 'empty';
    return skip(NOT_MESSAGES.get(kind) ?? 'unknown', kind);
  }
  const kind = update.message ? 'message' : 'channel_post';
  if (!message.from) return skip('not_a_message', `${kind}:without_user`);
  if (message.from.is_bot) return skip('echo', `${kind}:from_bot`);
  const content = contentOf(message);
  if (!content) return skip('not_a_message', `${kind}:service`);
  const { from } = message;
  return published(newEnvelope({
    channel: 'telegram',
    account: botId,
    // Telegram user ids are global, the same for every bot: they need no scope.
    sender: { kind: 'telegram_user', id: from.id },
    profile: { firstName: from.first_name, lastName: from.last_name, username: from.username,
      language: from.language_code, phone: ownPhone(message) },
    message: { ...content, providerId: `${message.chat.id}:${message.message_id}`,
      sentAt: new Date(message.date * 1000).toISOString(), threadId: message.chat.id },
  }, receivedAt));
}

/**
 * A shared contact is the sender's own number when it names the sender (or no Telegram user at all, as the
 * "share my phone" button's contact may not): a phone hint. Telegram sends it without `+` more often than not.
 */
function ownPhone(message: TelegramMessage): string | undefined {
  const contact = message.contact;
  if (!contact || (contact.user_id !== undefined && contact.user_id !== message.from?.id)) return undefined;
  const digits = contact.phone_number.replace(/[\s()-]/g, '');
  return /^\d+$/.test(digits) ? `+${digits}` : digits;
}

type Content = { text?: string; attachments: Attachment[] };

/** Telegram sends each photo in several sizes: keep the biggest. */
function largest(sizes: TelegramMessage['photo']): NonNullable<TelegramMessage['photo']>[number] | undefined {
  const area = (size: NonNullable<TelegramMessage['photo']>[number]) => (size.width ?? 0) * (size.height ?? 0);
  return sizes?.reduce((best, size) => (area(size) > area(best) ? size : best));
}

function contentOf(message: TelegramMessage): Content | undefined {
  const text = message.text ?? message.caption;
  const attachments = attachmentsOf(message);
  return text !== undefined || attachments.length > 0 ? { text, attachments } : undefined;
}

function attachmentsOf(message: TelegramMessage): Attachment[] {
  const files: [Attachment['type'], NonNullable<TelegramMessage['video']> | undefined][] = [
    ['image', largest(message.photo)], ['video', message.video], ['video', message.video_note],
    ['video', message.animation], ['audio', message.voice], ['audio', message.audio], ['file', message.document],
    ['sticker', message.sticker],
  ];
  const attachments: Attachment[] = files.flatMap(([type, file]) => file
    ? [{ type, ref: file.file_id, contentType: file.mime_type, name: file.file_name, size: file.file_size }] : []);
  const where = message.venue?.location ?? message.location;
  if (where) attachments.push({ type: 'location', url: `geo:${where.latitude},${where.longitude}`, name: message.venue?.title });
  if (message.contact) attachments.push({ type: 'contact', name: message.contact.first_name });
  if (message.poll) attachments.push({ type: 'other', name: message.poll.question });
  if (message.dice) attachments.push({ type: 'other', name: message.dice.emoji });
  if (message.game) attachments.push({ type: 'other', name: message.game.title });
  return attachments;
}
