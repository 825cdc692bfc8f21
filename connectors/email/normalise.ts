import { createHash } from 'node:crypto';
import { newEnvelope, type Attachment } from '../envelope.js';
import { published, skip, type Normalised } from '../types.js';
import { classify } from './classify.js';
import { withoutQuotedHistory } from './quotes.js';
import type { MailAddress, MailFacts } from './schema.js';

/** The mailbox a message was read from: its address is the envelope's account, and never a customer's. */
export interface MailboxIdentity {
  address: string;
  /** Every address that is ours (the mailbox's, aliases configured beside it), lower-case. */
  own: ReadonlySet<string>;
}

/** The oldest `Date` believed; a message from before it, or from more than a day ahead, was sent by a broken clock. */
const EARLIEST_SENT = Date.UTC(1990, 0, 1);

/**
 * Pure: one email → the envelope of a customer writing, or why there is none (an auto-reply, a bounce, a read
 * receipt, our own mail). The sender is the first `From` address (the `Sender` when `From` lists several);
 * a display name never is, even when it looks like an address (`"=?utf-8?…?= <attacker@x>"`-style spoofing).
 */
export function normaliseMail(mail: MailFacts, raw: Buffer, mailbox: MailboxIdentity, internalDate: Date | undefined,
  receivedAt: Date): Normalised {
  const kind = classify(mail);
  if (kind.kind !== 'customer') return skip(kind.kind, `${kind.kind}: ${kind.why}`);
  const from = senderOf(mail);
  const address = from?.address.trim().toLowerCase() ?? '';
  if (address !== '' && mailbox.own.has(address)) return skip('echo', 'from_own_mailbox');
  const messageId = bare(mail.messageId);
  const text = mail.text === undefined ? undefined : withoutQuotedHistory(mail.text);
  return published(newEnvelope({
    channel: 'email',
    account: mailbox.address,
    sender: { kind: 'email', id: address },
    profile: { name: displayName(from) },
    message: {
      providerId: messageId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`,
      text: text === '' ? undefined : text,
      subject: mail.subject?.slice(0, 2_000),
      attachments: mail.attachments.filter((part) => !part.contentType.startsWith('message/delivery-status')).slice(0, 100).map(attachmentOf),
      sentAt: sentAt(mail.date, internalDate, receivedAt).toISOString(),
      threadId: bare(mail.references[0]) ?? bare(mail.inReplyTo) ?? messageId,
    },
  }, receivedAt));
}

function senderOf(mail: MailFacts): MailAddress | undefined {
  return mail.from.length > 1 && mail.sender ? mail.sender : mail.from[0];
}

/** A person's name, unless it is an address or holds one: then it says nothing true about who wrote. */
function displayName(from: MailAddress | undefined): string | undefined {
  const name = from?.name.trim();
  return name && !name.includes('@') ? name.slice(0, 512) : undefined;
}

/** `<abc@host>` → `abc@host`. */
function bare(id: string | undefined): string | undefined {
  const value = id?.trim().replace(/^<(.*)>$/, '$1').trim();
  return value ? value.slice(0, 512) : undefined;
}

function sentAt(date: Date | undefined, internalDate: Date | undefined, receivedAt: Date): Date {
  const believable = (at: Date | undefined) =>
    at !== undefined && at.getTime() >= EARLIEST_SENT && at.getTime() <= receivedAt.getTime() + 86_400_000;
  if (believable(date)) return date!;
  return believable(internalDate) ? internalDate! : receivedAt;
}

function attachmentOf(part: MailFacts['attachments'][number]): Attachment {
  const major = part.contentType.split('/')[0];
  const type: Attachment['type'] = major === 'image' || major === 'video' || major === 'audio' ? major
    : part.contentType === 'text/vcard' || part.contentType === 'text/x-vcard' ? 'contact' : 'file';
  return { type, contentType: part.contentType, size: part.size, ...(part.filename ? { name: part.filename.slice(0, 1024) } : {}) };
}
