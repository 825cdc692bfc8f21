import type { z } from 'zod';

/**
 * Input that is not what it must be: a body, a query, a record or a setting. Names the field (`messages[2].sender.id`)
 * so whoever sent it can see why; the gateway answers 400. Never retriable: the same input fails the same way.
 */
export class PayloadError extends Error {
  override name = 'PayloadError';
  readonly retriable = false;
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

/** Parses `value` with its zod schema; on failure a PayloadError naming the first bad field. `at` is where `value` sits. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, at: readonly PropertyKey[] = []): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { field, message } = describeIssue(result.error.issues[0]!, at);
  throw new PayloadError(message, field);
}

/** One problem as a sentence that starts with the field it is about: `sender.id: Too small…`. */
export function describeIssue(issue: z.core.$ZodIssue, at: readonly PropertyKey[] = []): { field?: string; message: string } {
  const field = fieldPath([...at, ...issue.path]);
  return field ? { field, message: `${field}: ${issue.message}` } : { message: issue.message };
}

/** Every problem of a failed parse, one sentence each. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => describeIssue(issue).message);
}

/** `messages[2].sender.id` from a zod issue path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) =>
    typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part), '');
}
