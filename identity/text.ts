import { fieldPath, PayloadError } from './parse.js';

/**
 * Text a customer or a provider sent, made storable: NUL (U+0000), which PostgreSQL `text` and `jsonb` cannot
 * hold, and lone UTF-16 surrogates, which have no UTF-8 form, become U+FFFD (the replacement character).
 * Every other character is kept, control characters included (tabs and line breaks are part of what people
 * write; the rest are stored and shown as escapes), so nothing a customer wrote is lost or refused for a character.
 */
export function storableText(text: string): string {
  if (text.isWellFormed() && !text.includes('\u0000')) return text;
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/** `storableText` applied to every string inside a JSON-like value (objects and arrays are copied, not changed; undefined members are left out, as JSON would). */
export function storableDeep<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map((item) => storableDeep(item)) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      // Defined, not assigned: a `__proto__` key from JSON stays a key instead of replacing the copy's prototype.
      if (child !== undefined) Object.defineProperty(copy, key, { value: storableDeep(child), enumerable: true, writable: true, configurable: true });
    }
    return copy as T;
  }
  return value;
}

/** Whether a string can be stored as PostgreSQL text as it is. */
export function isStorable(text: string): boolean {
  return text.isWellFormed() && !text.includes('\u0000');
}

// ES2024 string methods that Node 20 has; the ES2023 lib this project compiles against does not declare them.
declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/**
 * Throws a PayloadError naming the first string inside `value` that PostgreSQL cannot store (it holds NUL).
 * For input people send the admin API: there a NUL is a mistake to report, not a customer's word to keep.
 */
export function assertStorable(value: unknown, path: readonly (string | number)[] = []): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      const field = fieldPath(path);
      throw new PayloadError(`${field || 'the body'}: must not contain the NUL character (U+0000)`, field || undefined);
    }
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('\u0000')) throw new PayloadError(`${fieldPath(path) || 'the body'}: a key contains the NUL character (U+0000)`);
    assertStorable(child, [...path, Array.isArray(value) ? Number(key) : key]);
  }
}
