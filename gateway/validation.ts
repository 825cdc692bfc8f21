import type { z } from 'zod';
import { PayloadError } from './errors.js';

/** Parses a body with a zod schema; on failure a 400 that names the first bad field, e.g. `messages[2].sender.id`. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = fieldPath(issue.path);
  throw new PayloadError(field ? `${field}: ${issue.message}` : issue.message, field || undefined);
}

function fieldPath(path: PropertyKey[]): string {
  return path.reduce<string>((out, part) =>
    typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part), '');
}
