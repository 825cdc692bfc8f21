import { z } from 'zod';

const sid = z.string().regex(/^[A-Za-z0-9]{2,64}$/, 'must be a Twilio SID such as SM0123…');
const single = z.string({ message: 'must be given once' });

/**
 * A Twilio Messaging webhook: an incoming SMS/MMS/WhatsApp message, or a status callback for one we sent.
 * Media arrive as `MediaUrl{n}` / `MediaContentType{n}` for n < `NumMedia`.
 */
export const twilioWebhookSchema = z.object({
  MessageSid: sid,
  AccountSid: sid,
  From: single.min(1).max(256),
  To: single.min(1).max(256),
  Body: single.max(65_536).optional(),
  NumMedia: z.coerce.number().int().min(0).max(20).default(0),
  ProfileName: single.max(256).optional(),
  FromCountry: single.max(64).optional(),
  SmsStatus: single.max(32).optional(),
  /** Present on status callbacks (`sent`, `delivered`, `read`, `failed`, …), absent on incoming messages. */
  MessageStatus: single.max(32).optional(),
}).catchall(z.union([z.string(), z.array(z.string())]));

export type TwilioWebhook = z.infer<typeof twilioWebhookSchema>;
