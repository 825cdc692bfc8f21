import { isPlaceholder, junkEmailReason, MAX_EMAIL_LENGTH } from './junk.js';

export type NormalisedEmail =
  | { kind: 'email'; value: string }
  /** Not one address. */
  | { kind: 'invalid'; value: string }
  /**
   * Never a match key (see junk.ts). `value` is the lowercased address when it is one all the same
   * (`test@example.com`), so a person may still store it on a contact.
   */
  | { kind: 'junk'; reason: string; value?: string };

const LOCAL_ATOMS = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const LOCAL_QUOTED = /^"(?:[^"\\\r\n]|\\.)*"$/u;
const CONTROL = /[\u0000-\u001f\u007f]/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TOP_LEVEL = /^(?:\p{L}{2,}|xn--[a-z0-9-]+)$/u;
/** Full-width look-alikes (ｇｍａｉｌ) are a spoofing vector, not a mailbox. */
const FULL_WIDTH = /[\uff00-\uffef]/u;

/** Trims and lowercases an email address; anything that is not one valid address of a person is never a match key. */
export function normaliseEmail(input: string | undefined): NormalisedEmail {
  const value = (input ?? '').trim().replace(/^mailto:/i, '').toLowerCase();
  const at = value.lastIndexOf('@');
  if (isPlaceholder(value)) return { kind: 'junk', reason: 'empty or a placeholder' };
  if (value.length > MAX_EMAIL_LENGTH) return { kind: 'junk', reason: `longer than ${MAX_EMAIL_LENGTH} characters` };
  if (at < 1) return { kind: 'invalid', value };
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (isPlaceholder(local)) return { kind: 'junk', reason: `a placeholder mailbox (${local}@)` };
  if (local.startsWith('"') && CONTROL.test(local)) return { kind: 'junk', reason: 'a quoted local part with control characters' };
  if (!isAddress(local, domain)) return { kind: 'invalid', value };
  const junk = junkEmailReason(local, domain);
  return junk ? { kind: 'junk', reason: junk, value } : { kind: 'email', value };
}

function isAddress(local: string, domain: string): boolean {
  if (!local || !domain || FULL_WIDTH.test(local) || FULL_WIDTH.test(domain)) return false;
  if (Buffer.byteLength(local) > 64 || domain.length > 253) return false;
  if (!LOCAL_ATOMS.test(local) && !LOCAL_QUOTED.test(local)) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && TOP_LEVEL.test(labels.at(-1)!);
}
