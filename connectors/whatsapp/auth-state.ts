import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { BufferJSON, initAuthCreds, proto, type AuthenticationCreds, type AuthenticationState, type SignalDataSet,
  type SignalDataTypeMap } from '@whiskeysockets/baileys';
import { z } from 'zod';
import { NeedsActionError } from '../errors.js';
import type { ConnectorStateStore } from '../types.js';

/** Where a linked device's secrets live in the connector's state: one key for the creds, one per Signal key. */
export const AUTH_PREFIX = 'auth:';
const CREDS = `${AUTH_PREFIX}creds`;
const signalKey = (type: string, id: string) => `${AUTH_PREFIX}key:${type}:${id}`;

export interface StoredAuthState {
  /** What Baileys' socket is given as `auth`. */
  state: AuthenticationState;
  /** Writes the creds as they are now (on every `creds.update`). */
  saveCreds(): Promise<void>;
  /** Forgets the device: creds and keys (after WhatsApp logged it out). */
  clear(): Promise<void>;
  /** Resolves once every write issued so far has committed. */
  settled(): Promise<void>;
}

/**
 * A WhatsApp linked device's auth state (creds and Signal keys) in PostgreSQL, through the connector state
 * store rather than Baileys' files-on-disk demo store: a restarted or moved process resumes without pairing
 * again. Each write (a `keys.set` batch, the creds) commits in one transaction, in the order Baileys issued
 * them. With `keys` (WHATSAPP_STATE_KEY) every value is sealed with AES-256-GCM, bound to its account and
 * key name; without, values are stored readable.
 */
export async function loadAuthState(store: ConnectorStateStore, options: { account: string; keys: readonly Buffer[] }): Promise<StoredAuthState> {
  const sealer = createSealer(options.account, options.keys);
  await sealer.rewrap(store);
  const creds = (await readValue(store, sealer, CREDS) as AuthenticationCreds | undefined) ?? initAuthCreds();
  let writes: Promise<unknown> = Promise.resolve();
  /** One write at a time, in order: concurrent upserts of overlapping keys can neither deadlock nor land out of order. */
  const serial = (write: () => Promise<void>): Promise<void> => {
    const next = writes.then(write);
    writes = next.catch(() => undefined);
    return next;
  };

  return {
    state: {
      creds,
      keys: {
        async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
          await writes;
          const names = ids.map((id) => signalKey(type, id));
          const found = await store.getMany(names);
          const result: { [id: string]: SignalDataTypeMap[T] } = {};
          for (const [index, id] of ids.entries()) {
            const stored = found.get(names[index]!);
            if (stored === undefined) continue;
            let value = sealer.open(names[index]!, stored);
            if (type === 'app-state-sync-key' && value) value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
            result[id] = value as SignalDataTypeMap[T];
          }
          return result;
        },
        set(data: SignalDataSet) {
          const entries: Record<string, unknown> = {};
          for (const [type, values] of Object.entries(data)) {
            for (const [id, value] of Object.entries(values ?? {})) {
              const name = signalKey(type, id);
              entries[name] = value === null || value === undefined ? null : sealer.seal(name, value);
            }
          }
          return serial(() => store.set(entries));
        },
      },
    },
    saveCreds: () => serial(() => store.set({ [CREDS]: sealer.seal(CREDS, creds) })),
    clear: () => serial(() => store.clear(AUTH_PREFIX)),
    settled: () => writes.then(() => undefined),
  };
}

async function readValue(store: ConnectorStateStore, sealer: Sealer, name: string): Promise<unknown> {
  const stored = await store.get(name);
  return stored === undefined ? undefined : sealer.open(name, stored);
}

/** A stored value: `plain` (base64 of its JSON), or sealed with the key whose id it names. */
const storedSchema = z.union([
  z.object({ v: z.literal(1), plain: z.string() }),
  z.object({ v: z.literal(1), key: z.string(), iv: z.string(), tag: z.string(), data: z.string() }),
]);
type Stored = z.infer<typeof storedSchema>;

interface Sealer {
  seal(name: string, value: unknown): Stored;
  open(name: string, stored: unknown): unknown;
  /** Re-seals, with the first key, every value that is in the clear or sealed with an older key. */
  rewrap(store: ConnectorStateStore): Promise<void>;
}

/**
 * AES-256-GCM with a fresh 12-byte nonce per value and the account and key name as associated data: a row
 * copied to another account or key does not open. Values are JSON with Buffers in Baileys' BufferJSON form,
 * then base64, so bytes PostgreSQL's jsonb refuses (U+0000 in a push name) are stored too.
 */
function createSealer(account: string, keys: readonly Buffer[]): Sealer {
  const byId = new Map(keys.map((key) => [keyId(key), key]));
  const current = keys[0];
  const currentId = current ? keyId(current) : undefined;
  const context = (name: string) => Buffer.from(`tributary whatsapp\n${account}\n${name}`);

  function seal(name: string, value: unknown): Stored {
    const json = Buffer.from(JSON.stringify(value, BufferJSON.replacer));
    if (!current) return { v: 1, plain: json.toString('base64') };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', current, iv).setAAD(context(name));
    const data = Buffer.concat([cipher.update(json), cipher.final()]);
    return { v: 1, key: currentId!, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  function open(name: string, raw: unknown): unknown {
    const stored = storedSchema.safeParse(raw);
    if (!stored.success) throw new Error(`the stored WhatsApp state "${name}" of ${account} is not in a form this version reads`);
    const value = stored.data;
    if ('plain' in value) return JSON.parse(Buffer.from(value.plain, 'base64').toString('utf8'), BufferJSON.reviver);
    const key = byId.get(value.key);
    if (!key) {
      throw new NeedsActionError(`the stored WhatsApp pairing of ${account} is encrypted with a key that is not in WHATSAPP_STATE_KEY `
        + `(key id ${value.key}): put that key back (a new one first, then the old one, rotates it)`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(value.iv, 'base64')).setAAD(context(name));
      decipher.setAuthTag(Buffer.from(value.tag, 'base64'));
      const json = Buffer.concat([decipher.update(Buffer.from(value.data, 'base64')), decipher.final()]);
      return JSON.parse(json.toString('utf8'), BufferJSON.reviver);
    } catch {
      throw new NeedsActionError(`the stored WhatsApp state "${name}" of ${account} does not decrypt: it was altered, or copied from another account`);
    }
  }

  return {
    seal,
    open,
    async rewrap(store) {
      const stale = [...(await store.list(AUTH_PREFIX))].filter(([, raw]) => {
        const stored = storedSchema.safeParse(raw);
        return stored.success && ('plain' in stored.data ? current !== undefined : stored.data.key !== currentId);
      });
      if (stale.length === 0) return;
      await store.set(Object.fromEntries(stale.map(([name, raw]) => [name, seal(name, open(name, raw))])));
    },
  };
}

/** A key's public name: the first 8 bytes of its SHA-256, so a stored value says which key it needs without revealing it. */
function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
