import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** A secret the visitor tokens are signed with, named by a key id derived from it (never the secret itself). */
export interface TokenKey {
  id: string;
  secret: string;
}

/** Who a browser is to one site: the server-made visitor id the cookie carries. Never the contact id. */
export interface VisitorToken {
  visitorId: string;
  site: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** Key ids are the first 8 hex digits of the secret's SHA-256: stable, and they give nothing away. */
export function tokenKey(secret: string): TokenKey {
  return { id: createHash('sha256').update(secret).digest('hex').slice(0, 8), secret };
}

export function newVisitorId(): string {
  return randomUUID();
}

/** `v1.<key id>.<payload>.<signature>`: base64url JSON payload, HMAC-SHA256 over everything before the signature. */
export function signToken(token: VisitorToken, key: TokenKey): string {
  const payload = Buffer.from(JSON.stringify({ v: token.visitorId, s: token.site, e: token.expiresAt })).toString('base64url');
  const unsigned = `v1.${key.id}.${payload}`;
  return `${unsigned}.${mac(unsigned, key.secret)}`;
}

/**
 * The token's visitor, if the token was signed by one of `keys` (the first signs, all verify, so a secret can be
 * rotated without logging every visitor out), is for `site`, and has not expired. Anything else — tampered,
 * unsigned, expired, another site's, malformed — is undefined: a new visitor starts, nothing is trusted.
 */
export function readToken(text: string | undefined, keys: readonly TokenKey[], site: string, now: Date): VisitorToken | undefined {
  const parts = text?.split('.');
  if (!parts || parts.length !== 4 || parts[0] !== 'v1') return undefined;
  const [, keyId, payload, signature] = parts as [string, string, string, string];
  const key = keys.find((candidate) => candidate.id === keyId);
  if (!key || !sameMac(signature, mac(`v1.${keyId}.${payload}`, key.secret))) return undefined;
  let claims: { v?: unknown; s?: unknown; e?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return undefined;
  }
  if (typeof claims.v !== 'string' || typeof claims.s !== 'string' || typeof claims.e !== 'number') return undefined;
  if (claims.s !== site || claims.e * 1000 <= now.getTime()) return undefined;
  return { visitorId: claims.v, site: claims.s, expiresAt: claims.e };
}

/** A site's verified identity: `identifierHash` must be HMAC-SHA256(identifier, the site's secret), hex. */
export function isVouchedFor(identifier: string, identifierHash: string, siteSecret: string): boolean {
  const expected = createHmac('sha256', siteSecret).update(identifier).digest('hex');
  return sameMac(identifierHash.toLowerCase(), expected);
}

function mac(text: string, secret: string): string {
  return createHmac('sha256', secret).update(text).digest('base64url');
}

function sameMac(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
