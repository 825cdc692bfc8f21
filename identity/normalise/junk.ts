/** Placeholder values that senders, forms and providers put where they know nothing. */
const PLACEHOLDERS = new Set(['', 'null', 'undefined', 'nil', 'none', 'n/a', 'na', 'anonymous', 'unknown', '-', '0']);

export function isPlaceholder(value: string | undefined | null): boolean {
  return value === undefined || value === null || PLACEHOLDERS.has(value.trim().toLowerCase());
}

/** A phone made of one repeated digit (`0000000`, `+1 111 111 1111`) is a placeholder, not a person. */
export function isJunkPhoneDigits(digits: string): boolean {
  return digits.length === 0 || /^(\p{Nd})\1*$/u.test(digits);
}
