import { PayloadError } from '../identity/parse.js';

/** JSON from raw bytes, or a 400 that says the body is not JSON. */
export function parseJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new PayloadError('the body is not valid JSON');
  }
}
