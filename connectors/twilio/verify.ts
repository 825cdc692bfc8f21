import { validateRequest, validateRequestWithBody } from 'twilio/lib/webhooks/webhooks.js';

/**
 * Checks `X-Twilio-Signature` with twilio-node's validator (constant-time, tries the URL with and without its
 * default port). Form posts are signed over URL + sorted parameters; JSON posts over the URL alone, whose
 * `bodySHA256` must then match the raw body.
 */
export function isSignedByTwilio(input: {
  authToken: string;
  /** The URL Twilio called: the public base URL plus the path and query as received. */
  url: string;
  signature: string | undefined;
  contentType: string | undefined;
  rawBody: Buffer;
}): boolean {
  if (!input.signature) return false;
  if (isFormEncoded(input.contentType)) {
    return validateRequest(input.authToken, input.signature, input.url, formParams(input.rawBody));
  }
  return validateRequestWithBody(input.authToken, input.signature, input.url, input.rawBody.toString('utf8'));
}

export function isFormEncoded(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/** Form fields as Twilio signed them: a repeated field keeps all its values. */
export function formParams(rawBody: Buffer): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    const previous = params[key];
    params[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return params;
}
