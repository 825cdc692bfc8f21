import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { friendlyName } from '../../identity/friendly-name.js';
import { identityKeyString, type IdentityKey } from '../../identity/keys.js';
import { normalisePhone } from '../../identity/normalise/phone.js';
import { newEnvelope, type Envelope, type Sender } from '../envelope.js';
import type { VisitorProfile, WebchatVisitor } from './config.js';
import type { MessageRequest, SessionRequest } from './schema.js';

/**
 * Pure: who a visitor is to the resolver. A browser is a `webchat_visitor` scoped to its site; a logged-in user
 * the site vouched for is a `webchat_user`, with the browser's visitor id as an alias, so the contact it had
 * before logging in is the one it keeps and every browser of that user reaches it.
 */
export function visitorSender(visitor: WebchatVisitor): Sender {
  const browser = { kind: 'webchat_visitor' as const, id: visitor.id, scope: visitor.siteId };
  if (visitor.identifier === null) return browser;
  return { kind: 'webchat_user', id: visitor.identifier, scope: visitor.siteId, aliases: [browser] };
}

/** The identity the resolver gives the sender, for asking the contacts module about it. */
export function visitorIdentity(visitor: WebchatVisitor): Omit<IdentityKey, 'matchable'> {
  const sender = visitorSender(visitor);
  return { kind: sender.kind, scope: sender.scope ?? '', value: sender.id.trim() };
}

/** The name the resolver gives a visitor who did not say theirs: the same "Adjective Noun" for the same identity. */
export function visitorName(visitor: WebchatVisitor): string {
  return visitor.profile.name ?? friendlyName(identityKeyString(visitorIdentity(visitor)));
}

/**
 * Pure: what a session call teaches about the visitor. The form's fields fill what it asks (a blank field
 * changes nothing); time zone and language come from the browser; the country from the phone when one is
 * given, otherwise from the region of the browser's language (`de-AT` → AT).
 */
export function profileAfterSession(previous: VisitorProfile, session: SessionRequest, acceptLanguage: string | undefined): VisitorProfile {
  const region = regionOf(session.language) ?? regionOf(firstLanguage(acceptLanguage));
  const typed = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);
  const phoneText = typed(session.prechat?.phone);
  const phone = phoneText === undefined ? undefined : normalisePhone(phoneText, region);
  const next: VisitorProfile = {
    ...previous,
    ...definedOnly({
      name: typed(session.prechat?.name),
      email: typed(session.prechat?.email),
      phone: phone ? (phone.kind === 'junk' ? phoneText : phone.value) : undefined,
      timezone: typed(session.timezone),
      language: typed(session.language) ?? previous.language ?? firstLanguage(acceptLanguage),
    }),
  };
  const phoneCountry = phone?.country;
  const country = phoneCountry ?? previous.country ?? region;
  return country ? { ...next, country } : next;
}

/** Pure: a message the visitor typed → its envelope; the id comes from the visitor and their client's message id. */
export function messageEnvelope(visitor: WebchatVisitor, message: MessageRequest, receivedAt: Date): Envelope {
  return newEnvelope({
    channel: 'webchat',
    account: visitor.siteId,
    sender: visitorSender(visitor),
    profile: visitor.profile,
    message: { providerId: `${visitor.id}:${message.clientMessageId}`, text: message.text, attachments: [],
      sentAt: receivedAt.toISOString(), threadId: visitor.id },
  }, receivedAt);
}

/** The first tag of an `Accept-Language` header: `en-GB,en;q=0.9` → `en-GB`. */
function firstLanguage(header: string | undefined): string | undefined {
  const tag = header?.split(',')[0]?.split(';')[0]?.trim();
  return tag && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag) ? tag : undefined;
}

/** The region of a language tag, when it names a country: `pt-BR` → BR. */
function regionOf(tag: string | undefined): CountryCode | undefined {
  const region = tag?.split('-').find((part, index) => index > 0 && /^[A-Za-z]{2}$/.test(part))?.toUpperCase();
  return region && isSupportedCountry(region) ? region : undefined;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
