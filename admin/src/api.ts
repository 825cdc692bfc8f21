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
  const response = await send(method, path, body, key);
  return response.status === 204 ? undefined as T : await response.json() as T;
}

/** A request with the key; a refusal or an unreachable gateway is an ApiError with the API's own sentence. */
async function send(method: string, path: string, body: unknown, key: string | null): Promise<Response> {
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
  if (response.ok) return response;
  const json = await response.json().catch(() => undefined) as { error?: { message?: string; code?: string; field?: string } } | undefined;
  const message = json?.error?.message ?? (response.status === 503
    ? 'The service is unavailable right now (503): try again in a moment.'
    : `The request failed with status ${response.status}.`);
  throw new ApiError(response.status, message, json?.error?.field, json?.error?.code);
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
  customFields: Record<string, unknown>;
  tags: string[];
  blocked: boolean;
  lastInteractionAt: string | null;
  createdAt: string;
}

/** A row of the contacts table: the contact and the channels it has an identity on. */
export interface ContactRow extends Contact { channels: string[] }

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

/** One condition of a filter, as the search API takes it. */
export interface Condition { field: string; op: string; value?: string | number | boolean }
export interface Filter { conditions: Condition[]; match: string }
export interface View { id: string; name: string; public: boolean; filter: Filter & { sort?: string }; ownerKeyId: string }

export interface Job { id: string; kind: string; status: 'queued' | 'running' | 'succeeded' | 'failed'; total: number; done: number;
  error: string | null }

export interface FieldConflict { field: string; chosen: { contactId: string; value: unknown }; values: { contactId: string; value: unknown }[] }
export interface MergePreview { result: Contact; conflicts: FieldConflict[] }
export interface MergeRecord { id: string; primaryId: string; secondaryIds: string[]; mergedBy: string | null; mergedAt: string;
  undoneBy: string | null; undoneAt: string | null; names?: Record<string, string> }

export interface ApiKey { id: string; name: string; role: Role; createdAt: string; revokedAt: string | null }
export interface AuditEntry { id: string; actor: { keyId: string | null; name: string }; action: string; targetType: string;
  targetId: string | null; before: unknown; after: unknown; at: string }

export interface ConnectorStatus { connector: string; account: string; state: string; since: string; reportedAt: string; stale: boolean;
  error?: string }
export interface WebhookChannel { name: string; enabled: boolean; paths: string[]; setting: string | null }
export interface WhatsAppAccount { account: string; status: ConnectorStatus | null; device: { id?: string; name?: string } | null;
  pairing: { qr: string | null; code: string | null; phone: string | null; error: string | null } | null }
export interface WebchatSite { id: string; name: string; allowedOrigins: string[]; prechatFields: string[]; greeting: string | null }

/** A file the API answers (a CSV export, a QR code) as an object URL: the key goes in a header, never in a link. */
export async function fetchBlob(path: string): Promise<string> {
  return URL.createObjectURL(await (await send('GET', path, undefined, session.key())).blob());
}

/** Saves what `path` answers as a file named `name`. */
export async function download(path: string, name: string): Promise<void> {
  const url = await fetchBlob(path);
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
