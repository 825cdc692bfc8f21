import { jidDecode } from '@whiskeysockets/baileys';

/**
 * What a WhatsApp JID says about who someone is. `…@s.whatsapp.net` (and the older `@c.us`, and `@hosted`)
 * is a phone number; `…@lid` (and `@hosted.lid`) is a LID, an opaque id WhatsApp gives a user in place of their
 * number, which never is one. Device (`:N`) and agent (`_N`) suffixes name one of the person's devices, not
 * another person: they are dropped.
 */
export type JidIdentity = { kind: 'phone'; digits: string } | { kind: 'lid'; id: string };

/** E.164 allows at most 15 digits; none starts with 0, and no real number is shorter than 6. */
const PHONE_DIGITS = /^[1-9]\d{5,14}$/;
const LID = /^\d{1,24}$/;

export function identityOfJid(jid: string | null | undefined): JidIdentity | undefined {
  if (!jid) return undefined;
  const decoded = jidDecode(jid);
  if (!decoded?.user) return undefined;
  switch (decoded.server) {
    case 's.whatsapp.net': case 'c.us': case 'hosted':
      return PHONE_DIGITS.test(decoded.user) && !isBot(decoded.user) ? { kind: 'phone', digits: decoded.user } : undefined;
    case 'lid': case 'hosted.lid':
      return LID.test(decoded.user) ? { kind: 'lid', id: decoded.user } : undefined;
    default:
      return undefined;
  }
}

/** What a chat is, by its JID: a person, a group, or something no customer writes from. */
export type ChatKind = 'person' | 'group' | 'broadcast_list' | 'status' | 'newsletter' | 'system';

export function chatKind(jid: string): ChatKind {
  if (jid === 'status@broadcast') return 'status';
  const server = jid.slice(jid.lastIndexOf('@') + 1);
  switch (server) {
    case 'g.us': return 'group';
    case 'broadcast': return 'broadcast_list';
    case 'newsletter': return 'newsletter';
    case 's.whatsapp.net': case 'c.us': case 'hosted': case 'lid': case 'hosted.lid': {
      const user = jidDecode(jid)?.user ?? '';
      return isWhatsAppItself(user) || user === 'server' ? 'system' : 'person';
    }
    // `@bot` (Meta AI and other bots), `@call`, and whatever comes next.
    default: return 'system';
  }
}

/**
 * WhatsApp's own senders: public service announcements (`0`), the official WhatsApp account, Meta AI and its
 * bots (Baileys' `PSA_WID`, `OFFICIAL_BIZ_JID`, `META_AI_JID`, `isJidBot`). Never a customer.
 */
function isWhatsAppItself(user: string): boolean {
  return user === '0' || user === '16505361212' || isBot(user);
}

/** Meta AI and WhatsApp's bots have numbers in these ranges; they are not people's phones. */
function isBot(user: string): boolean {
  return /^1313555\d{4}$|^131655500\d{2}$/.test(user);
}
