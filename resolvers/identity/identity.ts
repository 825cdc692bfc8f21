import type { CountryCode } from 'libphonenumber-js';
import type { Envelope } from '../../connectors/envelope.js';
import type { BusinessAddress } from '../../db/repositories/business-addresses.js';
import type { ContactFields } from '../../db/repositories/contacts.js';
import { pointKindOf } from '../../identity/channels.js';
import { friendlyName } from '../../identity/friendly-name.js';
import { identityKeyString, type ContactPoint, type IdentityKey } from '../../identity/keys.js';
import { normaliseEmail } from '../../identity/normalise/email.js';
import { isPlaceholder } from '../../identity/normalise/junk.js';
import { normalisePhone } from '../../identity/normalise/phone.js';

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
  const own = { has: (value: string) => value === account.address?.value || business.has(value) };
  const { identity, country: identityCountry } = identityOf(envelope, account.country, own);
  const points: ContactPoint[] = [];
  const add = (point: ContactPoint | undefined) => {
    if (!point || own.has(point.value) || points.some((p) => p.kind === point.kind && p.value === point.value)) return false;
    points.push(point);
    return true;
  };
  const identityPoint = pointKindOf(identity.kind);
  if (identity.matchable && identityPoint) add({ kind: identityPoint, value: identity.value, source: 'identity' });
  add(emailPoint(envelope.profile.email));
  const profilePhone = normalisePhone(envelope.profile.phone, account.country);
  const profilePhoneAdded = profilePhone.kind === 'e164' && add({ kind: 'phone', value: profilePhone.value, source: 'profile' });
  // The contact's phone is the first phone point: its country was learnt when it was normalised.
  const phoneCountry = identityCountry ?? (profilePhoneAdded ? profilePhone.country : undefined);

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
      country: clean(profile.country) ?? phoneCountry,
      language: clean(profile.language),
      timezone: clean(profile.timezone),
    },
  };
}

const NONE: ReadonlySet<string> = new Set();

/** The business address an account is, when it is an email address or a phone number (a page id is neither). */
export function businessAddressOf(account: string): BusinessAddress | undefined {
  const { address } = describeAccount(account);
  return address && { ...address, source: 'account' };
}

/**
 * The identity the sender is matched on. A junk id (a placeholder, an invalid or unplaceable number, a reserved
 * domain: see identity/normalise/junk.ts) or the business's own address matches nobody: the message gets an
 * identity of its own, so strangers who send the same junk are never one contact.
 */
function identityOf(envelope: Envelope, accountCountry: CountryCode | undefined, own: { has(value: string): boolean }):
  { identity: IdentityKey; country?: CountryCode | undefined } {
  const { kind, id } = envelope.sender;
  const scope = envelope.sender.scope ?? '';
  const anonymous = { identity: { kind, scope, value: `anonymous:${envelope.id}`, matchable: false } };
  const pointKind = pointKindOf(kind);
  if (pointKind === 'phone') {
    const phone = normalisePhone(id, accountCountry);
    return phone.kind === 'e164' && !own.has(phone.value)
      ? { identity: { kind, scope, value: phone.value, matchable: true }, country: phone.country } : anonymous;
  }
  if (pointKind === 'email') {
    const email = normaliseEmail(id);
    return email.kind === 'email' && !own.has(email.value) ? { identity: { kind, scope, value: email.value, matchable: true } } : anonymous;
  }
  const value = id.trim();
  if (isPlaceholder(value) || value === envelope.account) return anonymous;
  return { identity: { kind, scope, value, matchable: true } };
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
  /** The account itself when it is an email address or a phone number: never a customer's. */
  address: Omit<BusinessAddress, 'source'> | undefined;
}

/** Accounts are few and repeat in every batch: parse each once, not once per message. */
const accounts = new Map<string, AccountFacts>();
const MAX_REMEMBERED_ACCOUNTS = 10_000;

function describeAccount(account: string): AccountFacts {
  let facts = accounts.get(account);
  if (facts) return facts;
  // An account may be junk as a customer's address would be (a test number reserved for fiction) and still ours.
  const email = normaliseEmail(account);
  const phone = normalisePhone(account.replace(/^whatsapp:/, ''));
  const address = email.kind !== 'invalid' && email.value ? { kind: 'email' as const, value: email.value }
    : phone.value ? { kind: 'phone' as const, value: phone.value } : undefined;
  facts = { country: phone.value ? phone.country : undefined, address };
  if (accounts.size >= MAX_REMEMBERED_ACCOUNTS) accounts.clear();
  accounts.set(account, facts);
  return facts;
}

function emailPoint(value: string | undefined): ContactPoint | undefined {
  const email = normaliseEmail(value);
  return email.kind === 'email' ? { kind: 'email', value: email.value, source: 'profile' } : undefined;
}

function clean(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed && !isPlaceholder(trimmed) ? trimmed : undefined;
}
