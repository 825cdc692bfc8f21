import type { PointKind } from './channels.js';
import { normaliseEmail } from './normalise/email.js';
import { mailboxOf, type Mailbox } from './normalise/mailbox.js';
import { normalisePhone } from './normalise/phone.js';

/**
 * Whether a stored email or E.164 phone may be compared across contacts: junk (a placeholder, a reserved domain,
 * a number reserved for fiction) never is, wherever it came from, so strangers who typed it are never suggested.
 */
export function isComparablePoint(kind: PointKind, value: string): boolean {
  return kind === 'email' ? normaliseEmail(value).kind === 'email' : normalisePhone(value).kind === 'e164';
}

/** The email and phone a person entered, as the points they make: junk ones stay on the contact but make none. */
export function enteredPoints(fields: { email?: string | null | undefined; phone?: string | null | undefined }):
  { kind: PointKind; value: string }[] {
  return (['email', 'phone'] as const).flatMap((kind) => {
    const value = fields[kind];
    return value && isComparablePoint(kind, value) ? [{ kind, value }] : [];
  });
}

/** The provider mailbox an email point is delivered to, for equivalence suggestions; phones have none. */
export function pointMailbox(kind: PointKind, value: string): Mailbox | undefined {
  return kind === 'email' ? mailboxOf(value) : undefined;
}
