/**
 * Values that stand for nobody. A junk identity never matches another sender (each message gets a contact of its
 * own) and a junk profile value is never a contact point, so strangers who send the same placeholder are never
 * joined or suggested as duplicates. Every list is data, here, with where it comes from.
 */

/** What forms, SDKs and providers put where they know nothing (seen in webhook payloads and CSV exports). */
const PLACEHOLDERS = new Set(['', 'null', 'undefined', 'nil', 'none', 'n/a', 'na', 'anonymous', 'unknown', '-', '0']);

export function isPlaceholder(value: string | undefined | null): boolean {
  return value === undefined || value === null || PLACEHOLDERS.has(value.trim().toLowerCase());
}

// ---------------------------------------------------------------------------------------------------- phones

/**
 * Caller-id placeholders that Twilio sends in `From` when the caller withheld the number: the words spelt on a
 * phone keypad (Twilio support, "Why am I seeing strange phone numbers like +266696687 in my call logs?").
 */
export const WITHHELD_CALLER_IDS: ReadonlyMap<string, string> = new Map([
  ['+266696687', 'ANONYMOUS'],
  ['+7378742833', 'RESTRICTED'],
  ['+8656696', 'UNKNOWN'],
  ['+2562533', 'BLOCKED'],
  ['+86282452253', 'UNAVAILABLE'],
]);

/**
 * Ranges reserved for fiction (films, documentation), as E.164 patterns:
 * - NANP 555-0100 … 555-0199 in every area code (NANPA, "555 NXX line numbers reserved for fictional use");
 * - UK drama numbers (Ofcom, "Telephone numbers for use in TV and radio drama");
 * - Australia's fictional numbers (ACMA, Numbering Plan 2015, schedule 5: 0491 570 …, 0x 5550 …, 0x 7010 …).
 */
export const FICTIONAL_PHONE_RANGES: readonly { source: string; pattern: RegExp }[] = [
  { source: 'NANPA 555-01XX', pattern: /^\+1[2-9]\d{2}55501\d{2}$/ },
  { source: 'Ofcom drama (mobile 07700 900xxx)', pattern: /^\+447700900\d{3}$/ },
  { source: 'Ofcom drama (geographic)', pattern: /^\+44(?:1134960|1144960|1154960|1164960|1174960|1184960|1214960|1314960|1414960|1514960|1614960|1914980|1632960|2079460|2890180|2920180)\d{3}$/ },
  { source: 'Ofcom drama (non-geographic)', pattern: /^\+44(?:8081570|9098790|3069990)\d{3}$/ },
  { source: 'ACMA fictional (mobile 0491 57x xxx)', pattern: /^\+6149157\d{4}$/ },
  { source: 'ACMA fictional (geographic 0x 5550/7010 xxxx)', pattern: /^\+61[2378](?:5550|7010)\d{4}$/ },
];

/** Why a phone number is junk, or undefined when it may be a person's. `national` is its national significant number. */
export function junkPhoneReason(e164: string | undefined, national: string): string | undefined {
  if (e164 && WITHHELD_CALLER_IDS.has(e164)) return `a withheld caller id (${WITHHELD_CALLER_IDS.get(e164)})`;
  const fictional = e164 ? FICTIONAL_PHONE_RANGES.find(({ pattern }) => pattern.test(e164)) : undefined;
  if (fictional) return `reserved for fiction (${fictional.source})`;
  return junkDigitsReason(national);
}

/** A national number of one repeated digit, or a plain run up or down the keypad (`1234567890`, `9876543210`). */
export function junkDigitsReason(digits: string): string | undefined {
  if (digits.length === 0) return 'no digits';
  if (/^(\d)\1*$/.test(digits)) return 'one repeated digit';
  if (digits.length >= 6 && (isRun(digits, 1) || isRun(digits, -1))) return 'a run of consecutive digits';
  return undefined;
}

function isRun(digits: string, step: 1 | -1): boolean {
  for (let i = 1; i < digits.length; i++) {
    if ((Number(digits[i - 1]) + step + 10) % 10 !== Number(digits[i])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------- emails

/** Local parts people type when a form insists on an address (gathered from CRM clean-up guides and our fixtures). */
export const PLACEHOLDER_LOCAL_PARTS: ReadonlySet<string> = new Set(['test', 'testing', 'tester', 'test123', 'none', 'null',
  'nil', 'na', 'n/a', 'noemail', 'no-email', 'no_email', 'nomail', 'no-mail', 'noaddress', 'nobody', 'noone', 'no-one',
  'asdf', 'asdfasdf', 'asdfgh', 'qwerty', 'qwe', 'abc', 'abcd', 'abc123', 'xxx', 'xxxx', 'xyz', 'fake', 'dummy',
  'sample', 'example', 'someone', 'somebody', 'user', 'username', 'email', 'youremail', 'your-email', 'your.name',
  'yourname', 'name', 'me', 'unknown', 'anonymous', 'undefined', 'dontknow', 'idontknow', 'refused', 'declined']);

/**
 * Mailboxes that are robots, never a customer: RFC 2142 `postmaster`, MTA daemons (RFC 3464 bounces come from
 * them, see the bounce fixtures), and no-reply senders of notifications.
 */
const ROBOT_LOCAL_PART = /^(?:(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|bounces?)(?:[-+_.].*)?|mailer[-_.]?daemon|postmaster)$/;

/**
 * Domains that can never receive mail: RFC 2606 (`example.com/.net/.org`, `.example`, `.test`, `.invalid`,
 * `.localhost`), RFC 6761 (`localhost`), RFC 6762 (`.local`); `example.*` under any top-level domain is written
 * in forms the same way.
 */
const RESERVED_TOP_LEVEL = new Set(['example', 'test', 'invalid', 'localhost', 'local']);

/** The longest address SMTP carries (RFC 5321 §4.5.3.1.3: a 256-octet path, less its angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

/** Why a syntactically valid, lowercased address is junk, or undefined when it may be a person's. */
export function junkEmailReason(local: string, domain: string): string | undefined {
  const bare = local.replace(/^"|"$/g, '');
  if (PLACEHOLDER_LOCAL_PARTS.has(bare)) return `a placeholder mailbox (${bare}@)`;
  if (ROBOT_LOCAL_PART.test(bare)) return `a robot mailbox (${bare}@)`;
  const labels = domain.split('.');
  if (domain === 'localhost' || RESERVED_TOP_LEVEL.has(labels.at(-1)!)) return `a reserved domain (${domain})`;
  if (labels.at(-2) === 'example' || labels[0] === 'example') return `a reserved domain (${domain})`;
  // test@test.com, a@a.com, x@x.au: the same short word typed on both sides of the @.
  if (bare.length <= 4 && labels[0] === bare) return `a typed placeholder (${bare}@${labels[0]}.)`;
  return undefined;
}
