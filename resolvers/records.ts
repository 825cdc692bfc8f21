import type { KafkaMessage, Message } from 'kafkajs';
import { CHECKED_HEADER, CHECKED_VERSION, envelopeSchema, type Envelope, type ResolvedEnvelope } from '../connectors/envelope.js';
import { describeIssue } from '../identity/parse.js';
import type { InboundItem, DuplicateFlaggedEvent } from './identity/resolve.js';

/** Why a record went to the dead-letter topic, as the metric counts it. */
export type DeadLetterKind = 'unreadable' | 'invalid_envelope' | 'resolve_failed';

/** A record that can never be resolved, by where it was read. */
export interface DeadLetter {
  partition: number;
  offset: string;
  kind: DeadLetterKind;
  /** The sentence that goes into the `dlq-reason` header. */
  reason: string;
}

/** Splits a batch into envelopes to resolve and records that can never be resolved (dead letters). */
export function parseRecords(topic: string, partition: number, messages: KafkaMessage[]):
  { items: InboundItem[]; deadLetters: DeadLetter[] } {
  const items: InboundItem[] = [];
  const deadLetters: DeadLetter[] = [];
  for (const message of messages) {
    const parsed = parseEnvelope(message.value, message.headers?.[CHECKED_HEADER]?.toString() === CHECKED_VERSION);
    if (parsed.ok) {
      items.push({ envelope: parsed.envelope, source: { topic, partition, offset: message.offset },
        ...(parsed.checked ? { json: message.value! } : {}) });
    } else {
      deadLetters.push({ partition, offset: message.offset, kind: parsed.kind, reason: parsed.reason });
    }
  }
  return { items, deadLetters };
}

/** An envelope from a record's value: checked against the contract unless the publisher already did (`checked`). */
function parseEnvelope(value: Buffer | null, checked: boolean) {
  if (!value || value.length === 0) return { ok: false as const, kind: 'unreadable' as const, reason: 'empty record' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false as const, kind: 'unreadable' as const, reason: 'record is not JSON' };
  }
  if (checked && value[value.length - 1] === CLOSING_BRACE) return { ok: true as const, envelope: json as Envelope, checked };
  const result = envelopeSchema.safeParse(json);
  if (result.success) return { ok: true as const, envelope: result.data, checked: false };
  return { ok: false as const, kind: 'invalid_envelope' as const,
    reason: `invalid envelope: ${describeIssue(result.error.issues[0]!).message}` };
}

const CLOSING_BRACE = 0x7d;

/**
 * A resolved record. From a publisher-checked envelope's own bytes (`json`, as `JSON.stringify` wrote them) it
 * is those bytes with `contact` and `resolvedAt` spliced in before the closing brace: the same JSON as
 * stringifying the whole record, without walking the envelope again.
 */
export function resolvedMessage(record: ResolvedEnvelope, json?: Buffer): Message {
  const value = json
    ? Buffer.concat([json.subarray(0, json.length - 1),
      Buffer.from(`,"contact":${JSON.stringify(record.contact)},"resolvedAt":${JSON.stringify(record.resolvedAt)}}`)])
    : JSON.stringify(record);
  return { key: record.contact.id, value, headers: { 'envelope-id': record.id } };
}

export function eventMessage(event: DuplicateFlaggedEvent): Message {
  return { key: event.contactId, value: JSON.stringify(event), headers: { 'event-type': event.type } };
}

/** The original bytes, untouched, so the record can be replayed; why and where from travel in headers. */
export function deadLetterMessage(topic: string, partition: number, original: KafkaMessage, reason: string, at: Date): Message {
  return {
    key: original.key,
    value: original.value,
    headers: {
      ...original.headers,
      'dlq-reason': reason,
      'dlq-source-topic': topic,
      'dlq-source-partition': String(partition),
      'dlq-source-offset': original.offset,
      'dlq-failed-at': at.toISOString(),
    },
  };
}
