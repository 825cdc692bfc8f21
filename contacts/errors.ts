/**
 * What the contacts module refuses, beside a PayloadError for input that is not well formed. Each is mapped
 * to its status once, in `gateway/app.ts`; none is retriable: the same request fails the same way.
 */

/** The contact, merge, job, view or suggestion named does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  readonly retriable = false;
}

/** The request contradicts the current state (a blocked or merged participant, …); `details.reason` says which. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  readonly retriable = false;
  constructor(message: string, readonly details?: { reason?: string; [detail: string]: unknown }) {
    super(message);
  }
}

/** A search ran past its statement timeout: PostgreSQL cancelled it. Narrower conditions will answer. */
export class SearchTimeoutError extends Error {
  override name = 'SearchTimeoutError';
  readonly retriable = true;
}

/** The caller may not do this (a role that lacks the right, or a view someone else owns). */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
  readonly retriable = false;
}
