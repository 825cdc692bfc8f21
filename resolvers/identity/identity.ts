import type { CountryCode } from 'libphonenumber-js';
import type { Envelope } from '../../connectors/envelope.js';
import type { BusinessAddress } from '../../db/repositories/business-addresses.js';
import type { ContactFields } from '../../db/repositories/contacts.js';
import { pointKindOf } from '../../identity/channels.js';
import { friendlyName } from '../../identity/friendly-name.js';
import { identityKeyString, type ContactPoint, type IdentityKey } from '../../identity/keys.js';
import { normaliseEmail } from '../../identity/normalise/email.js';
import { isPlaceholder } from '../../identity/normalise/junk.js';
import { countryOfPhone, normalisePhone } from '../../identity/normalise/phone.js';

/** What an envelope tells the resolver about its sender, normalised and stripped of junk. */
export interface SenderFacts {
  identity: IdentityKey;
  /** Other identities the provider vouched for in the same message (never phones or emails: those are points). */
  aliases: IdentityKey[];
  points: ContactPoint[];
  fields: ContactFields;
}

export function defaultDisplayName(identity: IdentityKey): string {
  return friendlyName(identityKeyString(identity));
}

/**
 * Pure: everything the resolver needs from one envelope, before it touches the database. `business` holds the
 * business's own addresses and numbers (every account, and those configured): never a customer's.
 */
export function senderFacts(envelope: Envelope, business: ReadonlySet<string> = NONE): SenderFacts {
  const account = describeAccount(envelope.account);
  const accountCountry = account.country;
  const own = { has: (value: string) => account.own.has(value) || business.has(value) };
  const identity = identityOf(envelope, accountCountry, own);
  const points: ContactPoint[] = [];
  const add = (point: ContactPoint | undefined) => {
    if (point && !own.has(point.value) && !points.some((p) => p.kind === point.kind && p.value === point.value)) {
      points.push(point);
    }
  };
  const identityPoint = pointKindOf(identity.kind);
  if (identity.matchable && identityPoint) add({ kind: identityPoint, value: identity.value, source: 'identity' });
  const profileEmail = emailPoint(envelope.profile.email);
  const profilePhone = phonePoint(envelope.profile.phone, accountCountry);
  add(profileEmail);
  add(profilePhone);

  const { profile } = envelope;
  const firstName = clean(profile.firstName);
  const lastName = clean(profile.lastName);
  const displayName = clean(profile.name) ?? (clean([firstName, lastName].filter(Boolean).join(' ')) || undefined);
  return {
    identity,
    // Kept even when the main identity is unusable (a malformed phone): then the alias is what finds the person.
    aliases: aliasesOf(envelope),
    points,
    fields: {
      displayName,
      firstName,
      lastName,
      email: points.find((p) => p.kind === 'email')?.value,
      phone: points.find((p) => p.kind === 'phone')?.value,
      avatarUrl: clean(profile.avatarUrl),
      country: clean(profile.country) ?? countryOfPhone(points.find((p) => p.kind === 'phone')?.value),
      language: clean(profile.language),
      timezone: clean(profile.timezone),
    },
  };
}

const NONE: ReadonlySet<string> = new Set();

/** The business address an account is, when it is an email address or a phone number (a page id is neither). */
export function businessAddressOf(account: string): BusinessAddress | undefined {
  const { own } = describeAccount(account);
  const [value] = own;
  return value === undefined ? undefined : { kind: value.includes('@') ? 'email' : 'phone', value, source: 'account' };
}

/**
 * The identity the sender is matched on. A junk id (a placeholder, an invalid or unplaceable number, a reserved
 * domain: see identity/normalise/junk.ts) or the business's own address matches nobody: the message gets an
 * identity of its own, so strangers who send the same junk are never one contact.
 */
function identityOf(envelope: Envelope, accountCountry: CountryCode | undefined, own: { has(value: string): boolean }): IdentityKey {
  const { kind, id } = envelope.sender;
  const scope = envelope.sender.scope ?? '';
  const anonymous: IdentityKey = { kind, scope, value: `anonymous:${envelope.id}`, matchable: false };
  const pointKind = pointKindOf(kind);
  if (pointKind === 'phone') {
    const phone = normalisePhone(id, accountCountry);
    return phone.kind === 'e164' && !own.has(phone.value) ? { kind, scope, value: phone.value, matchable: true } : anonymous;
  }
  if (pointKind === 'email') {
    const email = normaliseEmail(id);
    return email.kind === 'email' && !own.has(email.value) ? { kind, scope, value: email.value, matchable: true } : anonymous;
  }
  const value = id.trim();
  if (isPlaceholder(value) || value === envelope.account) return anonymous;
  return { kind, scope, value, matchable: true };
}

/** Opaque provider ids that come beside the sender's main identity, such as a WhatsApp BSUID beside the phone. */
function aliasesOf(envelope: Envelope): IdentityKey[] {
  return (envelope.sender.aliases ?? []).flatMap(({ kind, id, scope }) => {
    const value = id.trim();
    if (pointKindOf(kind) || isPlaceholder(value)) return [];
    return [{ kind, scope: scope ?? '', value, matchable: true }];
  });
}

interface AccountFacts {
  /** The account's country when the account is itself a phone number: how national numbers are read. */
  country: CountryCode | undefined;
  /** The account's own address or number, which is never a customer's. */
  own: ReadonlySet<string>;
}

/** Accounts are few and repeat in every batch: parse each once, not once per message. */
const accounts = new Map<string, AccountFacts>();
const MAX_REMEMBERED_ACCOUNTS = 10_000;

function describeAccount(account: string): AccountFacts {
  let facts = accounts.get(account);
  if (facts) return facts;
  // An account may be junk as a customer's address would be (a test number reserved for fiction) and still ours.
  const own = new Set<string>();
  const email = normaliseEmail(account);
  if (email.value && email.kind !== 'invalid') own.add(email.value);
  const phone = normalisePhone(account.replace(/^whatsapp:/, ''));
  if (phone.value) own.add(phone.value);
  facts = { country: phone.value ? phone.country : undefined, own };
  if (accounts.size >= MAX_REMEMBERED_ACCOUNTS) accounts.clear();
  accounts.set(account, facts);
  return facts;
}

function emailPoint(value: string | undefined): ContactPoint | undefined {
  const email = normaliseEmail(value);
  return email.kind === 'email' ? { kind: 'email', value: email.value, source: 'profile' } : undefined;
}

function phonePoint(value: string | undefined, country: CountryCode | undefined): ContactPoint | undefined {
  const phone = normalisePhone(value, country);
  return phone.kind === 'e164' ? { kind: 'phone', value: phone.value, source: 'profile' } : undefined;
}

function clean(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed && !isPlaceholder(trimmed) ? trimmed : undefined;
}
