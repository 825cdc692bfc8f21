import { ApiError } from './api.js';

/** An error as a person reads it; a 503 says the service is unavailable instead of spinning forever. */
export function Failure({ error }: { error: Error }) {
  const unavailable = error instanceof ApiError && error.status === 503 && !/unavailable/i.test(error.message);
  return <p role="alert" class="error">{unavailable ? 'The service is unavailable right now (503): ' : ''}{error.message}</p>;
}

export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
}
