import { expect } from 'chai';
import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { CHECKED_HEADER, CHECKED_VERSION, type Envelope, type ResolvedEnvelope } from '../../connectors/envelope.js';
import { parseRecords, resolvedMessage } from '../../resolvers/records.js';
import { envelope } from '../helpers/envelopes.js';

const record = (value: Buffer, headers: KafkaMessage['headers'] = {}, offset = '0'): KafkaMessage =>
  ({ key: null, value, headers, offset, timestamp: '0', attributes: 0 }) as KafkaMessage;
const checked = { [CHECKED_HEADER]: Buffer.from(CHECKED_VERSION) };
/** As resolveBatch builds it (resolvers/identity/resolve.ts). */
const resolve = (value: Envelope): ResolvedEnvelope => ({ ...value,
  contact: { id: '0b9e3c0e-2f4a-4c1e-9d3b-6a7f1e2d3c4b', isNew: false, displayName: 'Zoë "Z" \\ 🙂', potentialDuplicates: 2 },
  resolvedAt: '2026-11-30T19:40:00.000Z' });

/**
 * A record the publisher checked is taken as it is, and its resolved record is spliced from its bytes: the same
 * JSON as stringifying the whole record, for any envelope. Records without the header are checked in full.
 */
describe('resolver records: publisher-checked envelopes', () => {
  it('splices a resolved record that is byte for byte the whole record stringified, whatever the strings', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    fc.assert(fc.property(text, text, text, (name, body, id) => {
      const value = envelope({ channel: 'api', account: 'acme', kind: 'api_user', id: id || 'x', text: body, profile: { name } });
      const bytes = Buffer.from(JSON.stringify(value));
      const [item] = parseRecords('in', 0, [record(bytes, checked)]).items;
      expect(item!.json).to.equal(bytes);
      const resolved = resolve(item!.envelope);
      expect(resolvedMessage(resolved, item!.json).value!.toString()).to.equal(JSON.stringify(resolved));
    }), { numRuns: 300 });
  });

  it('checks in full a record without the header, or whose value was not written by JSON.stringify', () => {
    const invalid = Buffer.from(JSON.stringify({ ...envelope({ channel: 'api', account: 'acme', kind: 'api_user', id: 'x' }), v: 2 }));
    const { items, deadLetters } = parseRecords('in', 3, [record(invalid, {}, '7')]);
    expect(items).to.deep.equal([]);
    expect(deadLetters).to.have.length(1);
    expect(deadLetters[0]).to.deep.include({ partition: 3, offset: '7', kind: 'invalid_envelope' });
    expect(deadLetters[0]!.reason).to.match(/^invalid envelope: .*\bv\b/);
    const padded = Buffer.from(`${JSON.stringify(envelope({ channel: 'api', account: 'acme', kind: 'api_user', id: 'x' }))}\n`);
    const [item] = parseRecords('in', 0, [record(padded, checked)]).items;
    expect(item!.json, 'not spliced: the bytes end in a newline').to.equal(undefined);
  });
});
