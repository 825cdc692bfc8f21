import { isPlaceholder } from './junk.js';

export type NormalisedEmail = { kind: 'email'; value: string } | { kind: 'invalid'; value: string } | { kind: 'junk' };

const LOCAL_ATOMS = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const LOCAL_QUOTED = /^"(?:[^"\\\r\n]|\\.)*"$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TOP_LEVEL = /^(?:\p{L}{2,}|xn--[a-z0-9-]+)$/u;
/** Full-width look-alikes (ｇｍａｉｌ) are a spoofing vector, not a mailbox. */
const FULL_WIDTH = /[\uff00-\uffef]/u;

/** Trims and lowercases an email address; anything that is not one valid address is never a match key. */
export function normaliseEmail(input: string | undefined): NormalisedEmail {
  const value = (input ?? '').trim().replace(/^mailto:/i, '').toLowerCase();
  const at = value.lastIndexOf('@');
  if (isPlaceholder(value)) return { kind: 'junk' };
  if (at < 1) return { kind: 'invalid', value };
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (isPlaceholder(local)) return { kind: 'junk' };
  return isAddress(local, domain) ? { kind: 'email', value } : { kind: 'invalid', value };
}

function isAddress(local: string, domain: string): boolean {
  if (!local || !domain || FULL_WIDTH.test(local) || FULL_WIDTH.test(domain)) return false;
  if (Buffer.byteLength(local) > 64 || domain.length > 253) return false;
  if (!LOCAL_ATOMS.test(local) && !LOCAL_QUOTED.test(local)) return false;
  const labels = domain.split('.');
  return labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label)) && TOP_LEVEL.test(labels.at(-1)!);
}
