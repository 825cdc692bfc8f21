/** The topics Tributary reads and writes: the downstream contract, documented in the README. */
export const TOPIC_NAMES = {
  /** Canonical inbound envelopes, keyed by sender identity. */
  inbound: 'tributary.inbound.v1',
  /** Envelopes with their resolved contact, keyed by contact id. */
  resolved: 'tributary.resolved.v1',
  /** Contact lifecycle events (`duplicate_flagged`, …), keyed by contact id. */
  contactEvents: 'tributary.contact-events.v1',
  /** Inbound records that could not be parsed, with the reason in headers. */
  inboundDlq: 'tributary.inbound.dlq.v1',
} as const;

export type Topics = { readonly [K in keyof typeof TOPIC_NAMES]: string };

export function topicsWithPrefix(prefix: string): Topics {
  const entries = Object.entries(TOPIC_NAMES).map(([role, name]) => [role, `${prefix}${name}`]);
  return Object.freeze(Object.fromEntries(entries)) as Topics;
}
