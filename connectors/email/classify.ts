import type { MailFacts } from './schema.js';

/** What an email is to the email channel: a customer writing, or one of the kinds that never are. */
export type MailKind =
  | { kind: 'customer' }
  /** Vacation notices and other automatic answers (RFC 3834 and what mail systems do instead). */
  | { kind: 'auto_reply'; why: string }
  /** Delivery-failure and delay reports, whatever MTA wrote them, with the recipients that failed when it says. */
  | { kind: 'bounce'; why: string; failedRecipients: string[] }
  /** Read receipts (`multipart/report; report-type=disposition-notification`). */
  | { kind: 'receipt'; why: string };

/** Local parts of the mailboxes mail systems send reports from. */
const SYSTEM_SENDERS = /^(mailer-?daemon|mdaemon|postmaster|mail\.delivery\.system|mail-delivery-system|mail-delivery-subsystem|bounces?|nobody)(\+.*)?$/i;
const SYSTEM_NAMES = /\b(mail delivery (system|subsystem|service)|mailer-daemon|postmaster|system administrator|mail administrator)\b/i;

/** Subjects MTAs put on delivery reports (Postfix, Exim, Sendmail, qmail, Exchange, Gmail, Yahoo, SES, GroupWise, …). */
const BOUNCE_SUBJECTS = new RegExp([
  'undeliver(able|ed)', 'delivery (status )?notification', 'delivery (has )?fail', 'failure (notice|delivery)', 'delivery failure',
  'returned mail', 'mail(ing)? delivery (failed|failure|problem|warning|error)', 'non-?delivery', 'could not be delivered',
  'delivery report', 'message (delayed|not delivered|has not yet been delivered)', 'mail not delivered', 'delayed mail',
  'mail system error', 'permanent delivery failure', 'processing error', '^mail error', 'nameserver error', 'failed mail',
  'delivery status', 'warning: message .* delayed', 'user unknown', 'unzustellbar', 'non remis', 'no entregado',
].join('|'), 'i');

/** Sentences MTAs open their reports with; looked for only near the top of the body. */
const BOUNCE_BODIES = new RegExp([
  'could not be delivered to', 'delivery to the following recipients? (failed|was delayed)', 'this is the mail system at host',
  'this is the qmail-send program', 'i\'m sorry to have to inform you', 'permanent fatal errors', 'following addresses had permanent',
  'created automatically by mail delivery software', 'message could not be delivered', 'unable to deliver (your )?message',
  'delivery has failed to these recipients', 'your message did not reach some or all', 'undeliverable message',
  'the original message was received at', 'this message was undeliverable', 'delivery to the following recipient',
  'mail delivery (failed|failure)', 'returned to sender', 'mail could not be delivered', 'could not deliver (the )?message',
  'failed recipients', 'mailbox unavailable', 'requested action not taken', 'has been postponed', 'advisory-only',
  'recipients? could not be reached', 'delivery attempts',
].join('|'), 'i');

const VACATION_SUBJECTS = new RegExp([
  '^(auto(matic)?[ -]?(reply|response|antwort|réponse)|autoreply|auto:)', 'out of (the )?office', 'abwesenheit', 'réponse automatique',
  'respuesta automática', 'risposta automatica', 'automatisch antwoord', '^(on )?vacation', 'away from (the )?office',
  'i am (currently )?(out of|away from)',
].join('|'), 'i');

/**
 * Pure: whether an email is a customer writing. Bounces are recognised by any of: a report content type, a
 * failed-recipients header, an empty return path, a system sender (MAILER-DAEMON, postmaster…), and the
 * subjects and opening sentences MTAs use; auto-replies by `Auto-Submitted` (other than `no`), `X-Autoreply`
 * and kin, `Precedence: bulk|junk|auto_reply`, and vacation subjects.
 */
export function classify(mail: MailFacts): MailKind {
  if (mail.contentType === 'multipart/report' && mail.reportType === 'disposition-notification') {
    return { kind: 'receipt', why: 'disposition-notification report' };
  }
  const bounce = bounceReason(mail);
  if (bounce) return { kind: 'bounce', why: bounce, failedRecipients: failedRecipients(mail) };
  const reply = autoReplyReason(mail);
  return reply ? { kind: 'auto_reply', why: reply } : { kind: 'customer' };
}

/**
 * A strong sign alone makes a bounce (a report content type, a failed-recipients header, an empty return path,
 * a system sender); the wording of subject, opening sentence and sender name only together, two of them, so a
 * customer asking about the "delivery status" of an order is still a customer.
 */
function bounceReason(mail: MailFacts): string | undefined {
  if (mail.contentType === 'multipart/report') return `multipart/report (${mail.reportType ?? 'no report-type'})`;
  if (mail.attachments.some((part) => part.contentType === 'message/delivery-status')) return 'a message/delivery-status part';
  if (mail.headers['x-failed-recipients']) return 'X-Failed-Recipients';
  if (/^\s*<\s*>\s*$/.test(mail.headers['return-path'] ?? 'x')) return 'an empty return path';
  const sender = mail.from[0];
  // Quotes and escapes some MTAs leave around the local part (`"Postmaster\\"@…`) do not hide who sent it.
  const local = (sender?.address.split('@')[0] ?? '').replace(/["\\]/g, '');
  if (SYSTEM_SENDERS.test(local)) return `sent by ${sender!.address}`;
  const signs = [
    BOUNCE_SUBJECTS.test(mail.subject ?? '') && `subject "${mail.subject}"`,
    BOUNCE_BODIES.test(head(mail)) && 'a delivery report\'s opening sentence',
    (!sender || sender.address === '' || SYSTEM_NAMES.test(sender.name) || SYSTEM_NAMES.test(local))
      && `sender "${sender?.name || sender?.address || 'none'}"`,
  ].filter((sign): sign is string => typeof sign === 'string');
  return signs.length >= 2 ? signs.join(', ') : undefined;
}

function autoReplyReason(mail: MailFacts): string | undefined {
  const submitted = mail.headers['auto-submitted']?.trim().toLowerCase();
  if (submitted && !submitted.startsWith('no')) return `Auto-Submitted: ${submitted}`;
  for (const name of ['x-autoreply', 'x-autorespond', 'x-autogenerated']) {
    if (mail.headers[name] !== undefined) return name;
  }
  const precedence = mail.headers.precedence?.trim().toLowerCase();
  if (precedence && ['bulk', 'junk', 'auto_reply', 'auto-reply'].includes(precedence)) return `Precedence: ${precedence}`;
  if (VACATION_SUBJECTS.test(mail.subject ?? '')) return `subject "${mail.subject}"`;
  return undefined;
}

/** The first 3,000 characters of the body: where reports say what they are. */
function head(mail: MailFacts): string {
  return (mail.text ?? '').slice(0, 3_000);
}

const ADDRESS = /[A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Where a report's own text ends and the copy of the failed message begins. */
const ORIGINAL_FOLLOWS = /^.*(copy of the (original )?message|original message (follows|was)|returned message|message headers follow|unsent message below|-{3,} ?(original|returned|undelivered) message|^received: |^return-path: ).*$/im;

/** Lines that name a recipient in the ways MTAs word it. */
const RECIPIENT_LINES = [
  /^\s*<([^<>\s]+@[^<>\s]+)>\s*:/gm, // qmail, Postfix: `<a@b>: host … said: 550 …`
  /^\s*"?<?([^<>\s"]+@[^<>\s"]+?)>?"?\s*[:.]{0,3}\s*$/gm, // an address on a line of its own (Exim, Exchange, Yahoo)
  /([^\s<>"(]+@[^\s<>")]+?)>?\.{3}/g, // Sendmail: `a@b... User unknown`
  /rcpt to:\s*<([^<>\s]+@[^<>\s]+)>/gi, // an SMTP transcript
  /(?:failed |final |original |unknown )?recipient(?:\(s\)|s)?:?\s*"?<?([^<>\s"]+@[^<>\s"]+?)>?"?(?:\s|$)/gi,
  /^\s*([^<>\s]+@[^<>\s]+)\s+on\s+\d/gm, // Exchange: `A@B on 01/02/2003 …`
  /(?:user|address|mailbox)\s+"?<?([^<>\s"]+@[^<>\s"]+?)>?"?[\s:)]/gi,
];

/**
 * The recipients a bounce says failed: a delivery-status part's `Final-Recipient` (or `Original-Recipient`),
 * `X-Failed-Recipients`, else the addresses the report's own text names in the ways MTAs word it (before the
 * copy of the failed message). Lower-cased, without duplicates.
 */
export function failedRecipients(mail: MailFacts): string[] {
  const found = new Set<string>();
  const add = (text: string | undefined) => { for (const address of text?.match(ADDRESS) ?? []) found.add(address.toLowerCase()); };
  for (const part of mail.attachments) {
    for (const line of (part.statusText ?? '').split(/\r?\n/)) {
      if (/^(final|original)-recipient:/i.test(line)) add(line.split(';').slice(1).join(';'));
    }
  }
  add(mail.headers['x-failed-recipients']);
  // mailparser puts some delivery-status parts in the text rather than among the attachments.
  for (const match of (mail.text ?? '').matchAll(/^(?:final|original)-recipient:[^;\n]*;([^\n]+)$/gim)) add(match[1]);
  if (found.size > 0) return [...found];
  const body = mail.text ?? '';
  const report = body.slice(0, Math.min(body.search(ORIGINAL_FOLLOWS) >>> 0, 5_000));
  const reporter = (mail.from[0]?.address ?? '').toLowerCase();
  for (const pattern of RECIPIENT_LINES) for (const match of report.matchAll(pattern)) add(match[1]);
  found.delete(reporter);
  return [...found];
}
