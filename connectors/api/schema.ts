import { z } from 'zod';
import { attachmentSchema, profileSchema } from '../envelope.js';

/** One message relayed by a product through the API channel. */
export const apiMessageSchema = z.object({
  id: z.string().trim().min(1).max(512),
  account: z.string().trim().min(1).max(512),
  /** The envelope's profile hints, plus the relaying product's own id for the user. */
  sender: profileSchema.extend({ id: z.string().trim().min(1).max(512) }),
  text: z.string().max(262_144).optional(),
  sentAt: z.iso.datetime({ offset: true }).optional(),
  threadId: z.string().max(512).optional(),
  attachments: z.array(attachmentSchema).max(100).optional(),
}).refine((message) => message.text !== undefined || (message.attachments?.length ?? 0) > 0, {
  message: 'a message needs text or at least one attachment',
  path: ['text'],
});

/** `{"messages": [...]}` with 1–500 messages. */
export const apiBatchSchema = z.object({ messages: z.array(apiMessageSchema).min(1).max(500) });

export type ApiMessage = z.infer<typeof apiMessageSchema>;
