import type { z } from 'zod';
import { MalformedBodyError } from './errors.js';

/**
 * Parses a provider payload with its zod schema; on failure an error naming the first bad field. `at` is
 * where `value` sits in the whole body, for parts parsed once their kind is known.
 */
export function parsePayload<S extends z.ZodType>(schema: S, value: unknown, at: PropertyKey[] = []): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = fieldPath([...at, ...issue.path]);
  throw new MalformedBodyError(field ? `${field}: ${issue.message}` : issue.message, field || undefined);
}

/** JSON from raw bytes, or a 400 that says the body is not JSON. */
export function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new MalformedBodyError('the body is not valid JSON');
  }
}

/** `messages[2].sender.id` from a zod issue path. */
export function fieldPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, part) =>
    typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part), '');
}
