/** The channels Tributary takes messages from, and how each one knows its sender. */
export const CHANNELS = ['webchat', 'email', 'sms', 'whatsapp', 'messenger', 'instagram', 'telegram', 'api'] as const;
export type Channel = (typeof CHANNELS)[number];

/** How a channel knows its sender. `(kind, scope, id)` is unique: it is the identity the resolver matches on. */
export const SENDER_KINDS = ['webchat_visitor', 'webchat_user', 'email', 'sms', 'whatsapp', 'whatsapp_bsuid', 'whatsapp_lid',
  'messenger_psid', 'instagram_igsid', 'telegram_user', 'api_user'] as const;
export type SenderKind = (typeof SENDER_KINDS)[number];

/** The sender kinds behind each channel: the one table every layer reads. */
export const CHANNEL_SENDER_KINDS = {
  webchat: ['webchat_visitor', 'webchat_user'],
  email: ['email'],
  sms: ['sms'],
  whatsapp: ['whatsapp', 'whatsapp_bsuid', 'whatsapp_lid'],
  messenger: ['messenger_psid'],
  instagram: ['instagram_igsid'],
  telegram: ['telegram_user'],
  api: ['api_user'],
} as const satisfies Record<Channel, readonly SenderKind[]>;

const CHANNEL_OF_KIND = new Map<SenderKind, Channel>(
  (Object.entries(CHANNEL_SENDER_KINDS) as [Channel, readonly SenderKind[]][])
    .flatMap(([channel, kinds]) => kinds.map((kind) => [kind, channel] as const)));

export function channelOfKind(kind: SenderKind): Channel {
  return CHANNEL_OF_KIND.get(kind)!;
}

export function isSenderKind(value: string): value is SenderKind {
  return CHANNEL_OF_KIND.has(value as SenderKind);
}

/** The channel of an identity kind as stored; a kind this version does not know counts as `api`. */
export function channelOfStoredKind(kind: string): Channel {
  return isSenderKind(kind) ? channelOfKind(kind) : 'api';
}

/** What a contact can be reached on and compared by across contacts for duplicates. */
export type PointKind = 'email' | 'phone';

/**
 * The contact point a sender's id is, for kinds whose id is an address (a phone or an email); undefined for
 * opaque provider ids (page-scoped ids, visitor ids, BSUIDs, WhatsApp LIDs), which never are.
 */
const POINT_KIND_OF: Partial<Record<SenderKind, PointKind>> = { email: 'email', sms: 'phone', whatsapp: 'phone' };

export function pointKindOf(kind: SenderKind): PointKind | undefined {
  return POINT_KIND_OF[kind];
}
