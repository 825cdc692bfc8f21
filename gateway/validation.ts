import type { z } from 'zod';
import { MalformedBodyError } from '../connectors/errors.js';
import { parsePayload } from '../connectors/parse.js';
import { PayloadError } from './errors.js';

/** Parses a body with a zod schema; on failure a 400 that names the first bad field, e.g. `messages[2].sender.id`. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  try {
    return parsePayload(schema, body);
  } catch (error) {
    if (error instanceof MalformedBodyError) throw new PayloadError(error.message, error.field);
    throw error;
  }
}
