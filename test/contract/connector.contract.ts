import { expect } from 'chai';
import { envelopeSchema, type Envelope } from '../../connectors/envelope.js';
import { VerificationError } from '../../connectors/errors.js';
import type { WebhookConnector } from '../../connectors/types.js';
import type { Harness } from '../helpers/harness.js';
import type { TopicReader } from '../helpers/kafka.js';
import { waitFor } from '../helpers/wait-for.js';

import { connectorFor, envelopeIdsOf, send, toWebhookRequest, type SignedRequest } from '../helpers/webhooks.js';

export interface WebhookChannelSpec {
  /** e.g. `Telegram`, `Twilio SMS`. */
  channel: string;
  path: string;
  badSignatureStatus: 401 | 403;
  /** A real fixture, signed, carrying a provider message id made from `n` so that each call can be told apart. */
  message(n: number): SignedRequest;
  /** A signed event of a type the connector has never heard of (channels we host have no foreign event types). */
  unknownEvent?(): SignedRequest;
  /** `message(n)` signed with the wrong secret (or, for web chat, carrying a forged visitor token). */
  badlySigned(n: number): SignedRequest;
  /** The status a published message is answered with (a provider's webhook: 200; our own widget: 202). */
  acceptedStatus?: number;
  /** Set-up the requests need first (a web-chat visitor's session). */
  prepare?(harness: Harness): Promise<void>;
  /** The envelope ids a message makes, for a connector that is not pure (web chat looks its visitor up). */
  expectedIds?(request: SignedRequest): string[];
}

/**
 * What every webhook channel promises, run against the running gateway and the real inbound topic: a
 * fixture becomes valid envelopes; a retried delivery keeps its ids; unknown events and bad signatures
 * publish nothing.
 */
export function webhookContract(spec: WebhookChannelSpec, context: () => { harness: Harness; inbound: TopicReader }) {
  describe(`${spec.channel} webhook contract`, () => {
    let n = 0;
    const accepted = spec.acceptedStatus ?? 200;
    const connector = (): WebhookConnector => connectorFor(context().harness, spec.path);
    const expectedIds = (request: SignedRequest) => spec.expectedIds?.(request) ?? envelopeIdsOf(context().harness, spec.path, request);
    if (spec.prepare) before(() => spec.prepare!(context().harness));

    /** Posts `request`, then a fresh message as a marker; returns the records published in between. */
    async function publishedBy(request: SignedRequest, expectedStatus: number): Promise<Envelope[]> {
      const { harness, inbound } = context();
      const before = inbound.messages.length;
      expect((await send(harness.baseUrl, spec.path, request)).status).to.equal(expectedStatus);
      const marker = spec.message(++n);
      const [markerId] = expectedIds(marker);
      expect((await send(harness.baseUrl, spec.path, marker)).status).to.equal(accepted);
      await waitForIds(inbound, [markerId!]);
      return inbound.json<Envelope>().slice(before).filter((envelope) => envelope.id !== markerId);
    }

    describe('when a real message is delivered', () => {
      it(`answers ${accepted} once valid envelopes are on the inbound topic`, async () => {
        const request = spec.message(++n);
        const ids = expectedIds(request);
        expect(ids).to.have.length.greaterThan(0);
        expect((await send(context().harness.baseUrl, spec.path, request)).status).to.equal(accepted);
        const records = await waitForIds(context().inbound, ids);
        for (const record of records) envelopeSchema.parse(record);
      });
    });

    describe('when the provider retries a delivery', () => {
      it('publishes the same envelope id both times', async () => {
        const request = spec.message(++n);
        const [id] = expectedIds(request);
        for (let attempt = 0; attempt < 2; attempt++) {
          expect((await send(context().harness.baseUrl, spec.path, request)).status).to.equal(accepted);
        }
        await waitForIds(context().inbound, [id!], 2);
      });
    });

    if (spec.unknownEvent) {
      const unknownEvent = spec.unknownEvent;
      describe('when the event type is unknown', () => {
        it('normalises to no envelope', async () => {
          expect((await connector().handle(toWebhookRequest(spec.path, unknownEvent()), new Date())).envelopes).to.deep.equal([]);
        });
        it('answers 200 so the provider stops retrying, and publishes nothing', async () => {
          expect(await publishedBy(unknownEvent(), 200)).to.deep.equal([]);
        });
      });
    }

    describe('when the signature is wrong', () => {
      it(`is refused by the connector with ${spec.badSignatureStatus}`, async () => {
        const refusal = await refusalOf(() => connector().handle(toWebhookRequest(spec.path, spec.badlySigned(1)), new Date()));
        expect(refusal.status).to.equal(spec.badSignatureStatus);
      });
      it(`answers ${spec.badSignatureStatus} and publishes nothing`, async () => {
        expect(await publishedBy(spec.badlySigned(++n), spec.badSignatureStatus)).to.deep.equal([]);
      });
    });
  });
}

/** Waits until every id has been published at least `times` times; returns those records. */
async function waitForIds(inbound: TopicReader, ids: string[], times = 1): Promise<Envelope[]> {
  let records: Envelope[] = [];
  await waitFor(() => {
    records = inbound.json<Envelope>().filter((envelope) => ids.includes(envelope.id));
    return ids.every((id) => records.filter((record) => record.id === id).length >= times);
  }, { timeoutMs: 20_000, what: `envelopes ${ids.join(', ')} on the inbound topic` });
  return records;
}

/** How a connector refuses a request: a VerificationError thrown (providers), or an answer with its status (web chat). */
async function refusalOf(handle: () => unknown): Promise<{ status: number }> {
  try {
    const result = (await handle()) as { status: number; envelopes: unknown[] };
    expect(result.envelopes).to.deep.equal([]);
    return result;
  } catch (error) {
    expect(error).to.be.instanceOf(VerificationError);
    return error as VerificationError;
  }
}
