import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { isJunkPhoneDigits, isPlaceholder } from './junk.js';

export type NormalisedPhone =
  /** A valid number in E.164: safe to match on. */
  | { kind: 'e164'; value: string; country?: CountryCode }
  /** Could not be placed (no `+` and no known country, or invalid): kept as given, never a match key. */
  | { kind: 'raw'; value: string }
  /** Empty, a placeholder or one repeated digit. */
  | { kind: 'junk' };

/**
 * Normalises a phone to E.164. Numbers without an international prefix are read in `defaultCountry`
 * (the receiving account's country) when it is known.
 */
export function normalisePhone(input: string | undefined, defaultCountry?: CountryCode): NormalisedPhone {
  const raw = (input ?? '').normalize('NFKC').replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  if (isPlaceholder(raw) || isJunkPhoneDigits((raw.match(/\p{Nd}/gu) ?? []).join(''))) return { kind: 'junk' };
  const international = /^(00|\+)|\+\s*\p{Nd}/u.test(raw);
  if (international || defaultCountry) {
    const parsed = parsePhoneNumberFromString(raw, defaultCountry ? { defaultCountry } : undefined);
    if (parsed?.isValid()) {
      if (isJunkPhoneDigits(parsed.nationalNumber)) return { kind: 'junk' };
      return parsed.country ? { kind: 'e164', value: parsed.number, country: parsed.country } : { kind: 'e164', value: parsed.number };
    }
  }
  return { kind: 'raw', value: raw };
}
