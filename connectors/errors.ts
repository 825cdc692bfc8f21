/** The request does not prove it comes from the provider. Never retriable: nothing was published. Mapped in `gateway/app.ts`. */
export class VerificationError extends Error {
  override name = 'VerificationError';
  readonly retriable = false;
  /** 401 for most providers; Meta documents 403 for a failed `X-Hub-Signature-256` or subscription check. */
  constructor(message: string, readonly status: 401 | 403 = 401) {
    super(message);
  }
}

/**
 * The source refuses us in a way that retrying cannot fix (a wrong password, a revoked token, a logged-out
 * device): the supervisor stops retrying and shows the message, which says what a person must do.
 */
export class NeedsActionError extends Error {
  override name = 'NeedsActionError';
  readonly retriable = false;
}
