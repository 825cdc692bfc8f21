import { isPlaceholder } from './junk.js';

export type NormalisedEmail = { kind: 'email'; value: string } | { kind: 'invalid'; value: string } | { kind: 'junk' };

/** `local@domain.tld`, no spaces or angle brackets; internationalised characters allowed. */
const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/u;

/** Trims and lowercases an email address; anything that is not one address is never a match key. */
export function normaliseEmail(input: string | undefined): NormalisedEmail {
  const value = (input ?? '').trim().replace(/^mailto:/i, '').toLowerCase();
  if (isPlaceholder(value) || isPlaceholder(value.split('@')[0])) return { kind: 'junk' };
  if (value.length > 254 || !ADDRESS.test(value) || value.includes('..')) return { kind: 'invalid', value };
  return { kind: 'email', value };
}
