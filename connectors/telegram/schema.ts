import { z } from 'zod';

/**
 * Telegram's ids reach 52 bits. JSON.parse keeps every integer below 2^53 exact, so the id is turned into
 * a string at once and one that has lost precision (or is not an integer) is refused, never rounded.
 */
const telegramId = z.union([
  z.number().refine(Number.isSafeInteger, 'must be an integer below 2^53'),
  z.string().regex(/^-?\d{1,16}$/, 'must be an integer'),
]).transform(String);

/** Telegram sends floats; some clients and test suites relay them as decimal strings. */
const coordinate = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);
const point = z.object({ latitude: coordinate, longitude: coordinate });

const user = z.object({
  id: telegramId,
  is_bot: z.boolean().optional(),
  first_name: z.string().max(256).optional(),
  last_name: z.string().max(256).optional(),
  username: z.string().max(256).optional(),
  language_code: z.string().max(35).optional(),
});

const file = z.object({
  file_id: z.string().max(1024),
  mime_type: z.string().max(255).optional(),
  file_name: z.string().max(1024).optional(),
  file_size: z.number().int().nonnegative().optional(),
  width: z.number().int().nonnegative().optional(),
  height: z.number().int().nonnegative().optional(),
});

export const telegramMessageSchema = z.object({
  message_id: z.number().int().nonnegative(),
  from: user.optional(),
  chat: z.object({ id: telegramId, type: z.string().max(32) }),
  date: z.number().int().nonnegative(),
  message_thread_id: z.number().int().optional(),
  text: z.string().max(65_536).optional(),
  caption: z.string().max(65_536).optional(),
  photo: z.array(file).max(20).optional(),
  video: file.optional(),
  video_note: file.optional(),
  animation: file.optional(),
  voice: file.optional(),
  audio: file.optional(),
  document: file.optional(),
  sticker: file.optional(),
  location: point.optional(),
  venue: z.object({ location: point, title: z.string().max(1024) }).optional(),
  contact: z.object({
    phone_number: z.string().max(64),
    first_name: z.string().max(256).optional(),
    user_id: telegramId.optional(),
  }).optional(),
  poll: z.object({ question: z.string().max(1024) }).optional(),
  dice: z.object({ emoji: z.string().max(16) }).optional(),
  game: z.object({ title: z.string().max(1024) }).optional(),
}).catchall(z.unknown());

/** One Telegram update: exactly one of its optional fields says what happened. */
export const telegramUpdateSchema = z.object({
  update_id: z.number().int().nonnegative(),
  message: telegramMessageSchema.optional(),
  channel_post: telegramMessageSchema.optional(),
}).catchall(z.unknown());

export type TelegramUpdate = z.infer<typeof telegramUpdateSchema>;
export type TelegramMessage = z.infer<typeof telegramMessageSchema>;
