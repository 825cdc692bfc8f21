import { z } from 'zod';

/** A site id: lower-case letters, digits and dashes, as the admin API names sites. */
export const siteId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a site id such as `default`');

/** `POST /webchat/session`: start or resume a visitor. */
export const sessionSchema = z.object({
  site: siteId,
  prechat: z.object({
    name: z.string().max(200).optional(),
    email: z.string().max(254).optional(),
    phone: z.string().max(64).optional(),
  }).optional(),
  /** An IANA time zone from the browser, e.g. `Europe/Berlin`. */
  timezone: z.string().max(64).optional(),
  /** A BCP 47 language tag from the browser, e.g. `de-DE`. */
  language: z.string().max(35).optional(),
  /** A logged-in user's id on the site, with `identifierHash` = HMAC-SHA256(identifier, the site's secret) in hex. */
  identifier: z.string().min(1).max(256).optional(),
  identifierHash: z.string().max(128).optional(),
}).refine((body) => (body.identifier === undefined) === (body.identifierHash === undefined), {
  message: 'identifier and identifierHash come together', path: ['identifierHash'],
});

/** `POST /webchat/messages`: one message the visitor typed; `clientMessageId` makes a retry the same message. */
export const messageSchema = z.object({
  site: siteId,
  clientMessageId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be 1–100 letters, digits, "-" or "_", such as a UUID'),
  text: z.string(),
});

/** `POST /webchat/unsubscribe`: the visitor asks for no more marketing email. */
export const unsubscribeSchema = z.object({ site: siteId });

export type SessionRequest = z.infer<typeof sessionSchema>;
export type MessageRequest = z.infer<typeof messageSchema>;
