/** Errors a connector throws; the gateway maps each to its status in one place (`gateway/app.ts`). */

/** The request does not prove it comes from the provider. Never retriable: nothing was published. */
export class VerificationError extends Error {
  override name = 'VerificationError';
  readonly retriable = false;
  /** 401 for most providers; Meta documents 403 for a failed `X-Hub-Signature-256` or subscription check. */
  constructor(message: string, readonly status: 401 | 403 = 401) {
    super(message);
  }
}

/** The body is not what the provider sends: a 400 naming the field, so a misconfigured sender can see why. */
export class MalformedBodyError extends Error {
  override name = 'MalformedBodyError';
  readonly retriable = false;
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}
