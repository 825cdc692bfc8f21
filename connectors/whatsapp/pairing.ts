import { z } from 'zod';

/**
 * The keys a WhatsApp account keeps beside its auth state, shared with the admin API (which reads and
 * writes them through the same `connector_state` table from the gateway process).
 */

/** The pairing in progress: the QR code to show, or the code to type on the phone. Gone once linked. */
export const PAIRING = 'pairing';
/** A person asked (through the admin API) for a pairing, optionally by code for a phone number. */
export const PAIRING_REQUEST = 'pairing-request';
/** Set when the device was logged out or a pairing expired: nothing connects until a pairing is requested. */
export const NEEDS_PAIRING = 'needs-pairing';
/** Who the device is linked to, once it is. */
export const DEVICE = 'device';

export const pairingSchema = z.object({
  qr: z.string().optional(),
  code: z.string().optional(),
  phone: z.string().optional(),
  error: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type Pairing = z.infer<typeof pairingSchema>;

/** A phone number in E.164, as the admin API takes it for a pairing code. */
export const pairingPhone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be the phone number in E.164, such as +4915112345678');

/** What the admin API takes to start a pairing: nothing (a QR code), or the phone to send a pairing code for. */
export const pairingBodySchema = z.object({ phone: pairingPhone.optional() }).strict();

export const pairingRequestSchema = z.object({ phone: pairingPhone.optional(), requestedAt: z.string() });
export type PairingRequest = z.infer<typeof pairingRequestSchema>;

export const deviceSchema = z.object({
  phone: z.string().optional(),
  lid: z.string().optional(),
  name: z.string().optional(),
  connectedAt: z.string(),
});
