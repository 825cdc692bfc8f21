/**
 * Providers that deliver several spellings of one address to one mailbox. Two contacts whose addresses are the
 * same mailbox under these rules are *suggested* as duplicates, never linked: the rules are the providers' own
 * and can change, and a person confirms the merge.
 * - Gmail ignores dots in the local part and anything after `+`; googlemail.com is the same service
 *   (Google Account Help, "Dots don't matter in Gmail addresses" and "Create task-specific email addresses").
 * - Outlook.com (outlook, hotmail, live, msn), Fastmail, iCloud and Proton deliver `name+tag@` to `name@`
 *   (each provider's help on "plus addressing" / "subaddressing").
 * - Yahoo's disposable addresses are `base-keyword@` (Yahoo Help, "Create and manage disposable email addresses").
 */
interface MailboxRule {
  name: string;
  domains: RegExp;
  /** The domain every spelling is compared under. */
  canonicalDomain?: string;
  ignoresDots: boolean;
  tag: '+' | '-';
}

const RULES: readonly MailboxRule[] = [
  { name: 'Gmail', domains: /^(?:gmail|googlemail)\.com$/, canonicalDomain: 'gmail.com', ignoresDots: true, tag: '+' },
  { name: 'Outlook', domains: /^(?:outlook|hotmail|live|msn)\.[a-z.]+$/, ignoresDots: false, tag: '+' },
  { name: 'Fastmail', domains: /^fastmail\.(?:com|fm)$/, ignoresDots: false, tag: '+' },
  { name: 'iCloud', domains: /^(?:icloud|me|mac)\.com$/, ignoresDots: false, tag: '+' },
  { name: 'Proton', domains: /^(?:proton\.me|protonmail\.com|protonmail\.ch|pm\.me)$/, ignoresDots: false, tag: '+' },
  { name: 'Yahoo', domains: /^(?:yahoo\.[a-z.]+|ymail\.com|rocketmail\.com)$/, ignoresDots: false, tag: '-' },
];

export interface Mailbox {
  /** The address every spelling of this mailbox shares (`jsmith@gmail.com`). */
  key: string;
  /** The provider whose rule it is (`Gmail`). */
  rule: string;
}

/** The mailbox a normalised, lowercased address is delivered to, for providers with such rules; else undefined. */
export function mailboxOf(address: string): Mailbox | undefined {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  const rule = RULES.find((r) => r.domains.test(domain));
  if (!rule || address.startsWith('"')) return undefined;
  let local = address.slice(0, at);
  const tagAt = local.indexOf(rule.tag);
  if (tagAt > 0) local = local.slice(0, tagAt);
  if (rule.ignoresDots) local = local.replaceAll('.', '');
  return local ? { key: `${local}@${rule.canonicalDomain ?? domain}`, rule: rule.name } : undefined;
}

/** `same Gmail mailbox: j.smith+shop@ vs jsmith@`: what a person reads beside the suggestion. */
export function equivalenceReason(rule: string, value: string, otherValue: string): string {
  const local = (address: string) => `${address.slice(0, address.lastIndexOf('@'))}@`;
  return `same ${rule} mailbox: ${local(value)} vs ${local(otherValue)}`;
}
