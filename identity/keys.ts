import type { PointKind, SenderKind } from './channels.js';

/** The row a sender matches in `contact_identities`. */
export interface IdentityKey {
  kind: SenderKind;
  scope: string;
  value: string;
  /** False for raw phones, invalid emails and anonymous senders: they never match anything else. */
  matchable: boolean;
}

/** One string per identity, for maps and sets; NUL cannot occur in a stored value, so it cannot collide. */
export function identityKeyString(identity: { kind: string; scope: string; value: string }): string {
  return `${identity.kind}\u0000${identity.scope}\u0000${identity.value}`;
}

/** An email address or E.164 phone a contact can be reached on, compared across contacts for duplicates. */
export interface ContactPoint {
  kind: PointKind;
  value: string;
  /** Where we learnt it: the sender's own identity, a profile hint, or a person typing it in. */
  source: 'identity' | 'profile' | 'manual';
}
