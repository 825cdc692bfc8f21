import { expect } from 'chai';
import type { Producer } from 'kafkajs';
import { ProducerPool } from '../../resolvers/producer-pool.js';

describe('the resolver\'s transactional producer pool', () => {
  const named = (name: string) => ({ name }) as unknown as Producer;

  it('lends the producer idle longest, so consecutive transactions take turns over the transactional ids', async () => {
    const pool = new ProducerPool(['a', 'b', 'c'].map(named));
    const lent: string[] = [];
    for (let n = 0; n < 6; n++) await pool.use(async (producer) => void lent.push((producer as unknown as { name: string }).name));
    expect(lent).to.deep.equal(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('makes a borrower wait while every producer is lent, then hands it the first one returned', async () => {
    const pool = new ProducerPool(['a'].map(named));
    let release!: () => void;
    const first = pool.use(() => new Promise<void>((done) => { release = done; }));
    let second: string | undefined;
    const waiting = pool.use(async (producer) => { second = (producer as unknown as { name: string }).name; });
    await new Promise((tick) => setImmediate(tick));
    expect(second).to.equal(undefined);
    release();
    await Promise.all([first, waiting]);
    expect(second).to.equal('a');
  });
});
