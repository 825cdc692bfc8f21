/** No valid API key: the gateway answers 401. The other errors it maps come from the layers below (`app.ts`). */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  readonly retriable = false;
  constructor(message = 'a valid API key is required: Authorization: Bearer <key>') {
    super(message);
  }
}
