/** Errors that end a request, each with the status it maps to (mapped once, in `app.ts`). */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: object) {
    super(message);
  }
}

/** The request body is malformed: names the field and what is wrong with it. */
export class PayloadError extends HttpError {
  override name = 'PayloadError';
  constructor(message: string, readonly field?: string) {
    super(400, 'invalid_payload', message, field ? { field } : undefined);
  }
}

export class AuthenticationError extends HttpError {
  override name = 'AuthenticationError';
  constructor(message = 'a valid API key is required: Authorization: Bearer <key>') {
    super(401, 'unauthenticated', message);
  }
}

export class ForbiddenError extends HttpError {
  override name = 'ForbiddenError';
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends HttpError {
  override name = 'NotFoundError';
  constructor(message = 'not found') {
    super(404, 'not_found', message);
  }
}

/** The request contradicts the current state (a blocked or merged participant, …); the reason says which. */
export class ConflictError extends HttpError {
  override name = 'ConflictError';
  constructor(message: string, details?: object) {
    super(409, 'conflict', message, details);
  }
}
