import { createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of a presented secret and the configured one, whatever their lengths. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (value: string) => createHmac('sha256', 'tributary/secret-compare').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
