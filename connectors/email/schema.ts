import { z } from 'zod';

const address = z.object({ address: z.string().max(998), name: z.string().max(998) });

/**
 * What Tributary reads from one email, after mailparser decoded it: the parts a customer message or a
 * not-a-customer decision needs. Built from the parsed mail and checked against this schema, so the code past
 * it never guesses at mailparser's shapes (a header that is a string in one mail and an object in another).
 */
export const mailFactsSchema = z.object({
  messageId: z.string().max(998).optional(),
  from: z.array(address).max(50),
  sender: address.optional(),
  subject: z.string().max(10_000).optional(),
  date: z.date().optional(),
  text: z.string().optional(),
  inReplyTo: z.string().max(998).optional(),
  references: z.array(z.string().max(998)).max(500),
  /** Lower-case header names → their raw values, the headers auto-reply and bounce detection looks at. */
  headers: z.record(z.string(), z.string().max(10_000)),
  /** `type/subtype` of the message as a whole, lower-case, and its `report-type` when it is a report. */
  contentType: z.string().max(200),
  reportType: z.string().max(200).optional(),
  attachments: z.array(z.object({ filename: z.string().max(1024).optional(), contentType: z.string().max(255), size: z.number().int().nonnegative(),
    /** The text of a delivery-status part, or of an attached message (a forwarded report), for its recipients. */
    statusText: z.string().max(100_000).optional() })).max(500),
});

export type MailFacts = z.infer<typeof mailFactsSchema>;
export type MailAddress = z.infer<typeof address>;

/** One message as IMAP hands it over. */
export const fetchedMessageSchema = z.object({
  uid: z.number().int().positive(),
  internalDate: z.date().optional(),
  source: z.instanceof(Buffer),
});

export type FetchedMessage = z.infer<typeof fetchedMessageSchema>;
