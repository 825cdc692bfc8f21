import { expect } from 'chai';
import { envelopeSchema } from '../../connectors/envelope.js';
import type { Normalised } from '../../connectors/types.js';

export interface StreamChannelSpec<Sample> {
  /** e.g. `Email`, `WhatsApp Web`. */
  channel: string;
  /** Real payloads of the source (raw emails, recorded socket events), by name. */
  samples(): [string, Sample][];
  normalise(sample: Sample, receivedAt: Date): Normalised | Promise<Normalised>;
}

/**
 * What every stream channel's normaliser promises, over the real payloads its source sends: each becomes
 * envelopes that meet the contract, or says why it is none; the same payload read again (a redelivery, a
 * rescan, a history sync) keeps its ids.
 */
export function streamContract<Sample>(spec: StreamChannelSpec<Sample>): void {
  describe(`${spec.channel} stream contract`, () => {
    const samples = spec.samples();
    it('has real samples, and at least one customer message among them', async () => {
      expect(samples.length).to.be.greaterThan(0);
      const outcomes = await Promise.all(samples.map(([, sample]) => spec.normalise(sample, new Date())));
      expect(outcomes.some((outcome) => outcome.envelopes.length > 0)).to.equal(true);
    });
    for (const [name, sample] of samples) {
      it(`${name}: envelopes that meet the contract or a reason for none, and the same ids when read again`, async () => {
        const first = await spec.normalise(sample, new Date('2026-11-30T12:00:00Z'));
        const again = await spec.normalise(sample, new Date('2026-11-30T12:05:00Z'));
        expect(first.envelopes.length + first.skipped.length, 'an envelope or a reason').to.be.greaterThan(0);
        for (const envelope of first.envelopes) envelopeSchema.parse(envelope);
        expect(again.envelopes.map((envelope) => envelope.id)).to.deep.equal(first.envelopes.map((envelope) => envelope.id));
      });
    }
  });
}
