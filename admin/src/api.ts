/**
 * The console's only way to the server: the documented admin API under /api, with the API key of the person
 * signed in. The key lives in sessionStorage (gone with the tab, never in a URL or localStorage).
 */
const KEY = 'tributary.apiKey';

export type Role = 'owner' | 'manager' | 'agent';
export interface Me { id: string; name: string; role: Role }

/** What the API said went wrong: its status, its sentence, and the field it names when it names one. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly field?: string, readonly code?: string) {
    super(message);
  }
}

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

export async function api<T>(method: string, path: string, body?: unknown, key = session.key()): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${key ?? ''}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The gateway cannot be reached: check that it is running, then try again.');
  }
  if (response.status === 204) return undefined as T;
  const json = await response.json().catch(() => undefined) as { error?: { message?: string; code?: string; field?: string } } | undefined;
  if (!response.ok) {
    const message = json?.error?.message ?? (response.status === 503
      ? 'The service is unavailable right now (503): try again in a moment.'
      : `The request failed with status ${response.status}.`);
    throw new ApiError(response.status, message, json?.error?.field, json?.error?.code);
  }
  return json as T;
}

export const can = {
  /** What the API allows owners and managers only: block, merge, delete, export, import, dismiss, bulk tagging. */
  manage: (me: Me) => me.role === 'owner' || me.role === 'manager',
  own: (me: Me) => me.role === 'owner',
};

export interface Contact {
  id: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  language: string | null;
  timezone: string | null;
  lifecycleStage: string;
  emailSubscription: 'subscribed' | 'unsubscribed';
  tags: string[];
  blocked: boolean;
  lastInteractionAt: string | null;
  createdAt: string;
}

export interface ContactDetail extends Contact {
  identities: { id: string; channel: string; kind: string; value: string; connectedAt: string; lastMessageAt: string | null; messageCount: number }[];
  channels: { active: { channel: string; identityId: string; value: string; connectedAt: string }[]; inactive: string[]; unavailable: string[] };
  notesCount: number;
  duplicatesCount: number;
}

export interface Suggestion {
  id: string;
  contact: { id: string; name: string };
  other: { id: string; name: string };
  field: 'email' | 'phone';
  value: string;
  reason: string;
  createdAt: string;
}

export interface Note { id: string; body: string; author: { keyId: string | null; name: string }; createdAt: string }
