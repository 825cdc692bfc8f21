import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { isPlaceholder, junkDigitsReason, junkPhoneReason } from './junk.js';

export type NormalisedPhone =
  /** A valid number in E.164: safe to match on. */
  | { kind: 'e164'; value: string; country?: CountryCode }
  /**
   * Never a match key: empty, a placeholder, invalid for its region, not placeable (national, and no country to
   * read it in), or a number that stands for nobody (see junk.ts). `value` is the E.164 form when the number is
   * well-formed all the same (one reserved for fiction), so a person may still store it on a contact.
   */
  | { kind: 'junk'; reason: string; value?: string; country?: CountryCode };

const INVISIBLE = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Normalises a phone to E.164 with libphonenumber's full metadata. A number written with `+` or `00` is
 * international; one without is read in `defaultCountry` (the receiving account's country) when it is known.
 */
export function normalisePhone(input: string | undefined, defaultCountry?: CountryCode): NormalisedPhone {
  const raw = (input ?? '').normalize('NFKC').replace(INVISIBLE, '').trim();
  if (isPlaceholder(raw)) return { kind: 'junk', reason: 'empty or a placeholder' };
  const digits = (raw.match(/\p{Nd}/gu) ?? []).join('');
  const allJunk = junkDigitsReason(digits);
  if (allJunk) return { kind: 'junk', reason: allJunk };
  // `00` is the international prefix of most of the world (ITU-T E.164 recommends it): without a country to
  // read it in, it can only mean that. With one, libphonenumber reads that country's own prefix (011 in the US).
  const text = !defaultCountry && /^00\s*[1-9]/.test(raw) ? `+${raw.replace(/^00\s*/, '')}` : raw;
  if (!/^\+|\+\s*\p{Nd}/u.test(text) && !defaultCountry) return { kind: 'junk', reason: 'a national number, and no country to read it in' };
  const parsed = parsePhoneNumberFromString(text, defaultCountry ? { defaultCountry } : undefined);
  if (!parsed) return { kind: 'junk', reason: 'not a phone number' };
  const country = parsed.country ? { country: parsed.country } : {};
  const junk = junkPhoneReason(parsed.number, parsed.nationalNumber);
  if (!parsed.isValid()) return { kind: 'junk', reason: junk ?? 'not a valid number for its region' };
  return junk ? { kind: 'junk', reason: junk, value: parsed.number, ...country } : { kind: 'e164', value: parsed.number, ...country };
}

/** The country an E.164 number belongs to (`+4930…` → DE), for a contact that has no country of its own. */
export function countryOfPhone(e164: string | null | undefined): CountryCode | undefined {
  return e164 ? parsePhoneNumberFromString(e164)?.country : undefined;
}
