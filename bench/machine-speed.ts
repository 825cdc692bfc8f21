import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * The same fixed piece of work, timed at the start and at the end of a run: this kind of shared machine runs the
 * same bench 40 % slower in one hour than in the next, and a figure means little beside another run's without how
 * fast the machine itself was at the time. Lower is faster; each is the best of three tries after one untimed,
 * so a try the scheduler interrupted does not count.
 */
export interface MachineSpeed {
  /** One core of JavaScript: 30,000 envelope-sized objects serialised, parsed back and hashed, as a publisher does. */
  javascriptMs: number;
  /** One PostgreSQL backend: 200,000 rows generated, hashed and counted. */
  postgresMs: number;
}

export async function machineSpeed(db: Knex): Promise<MachineSpeed> {
  return { javascriptMs: await bestOfThree(async () => javascriptWork()), postgresMs: await bestOfThree(() => postgresWork(db)) };
}

function javascriptWork(): void {
  let checksum = 0;
  for (let i = 0; i < 30_000; i++) {
    const text = JSON.stringify({ v: 1, id: `bench-${i}`, channel: 'api', account: 'bench', receivedAt: new Date(i).toISOString(),
      sender: { kind: 'api_user', id: `sender-${i % 500}`, scope: 'bench' }, message: { type: 'text', text: 'hello '.repeat(8) } });
    const parsed = JSON.parse(text) as { sender: { id: string } };
    checksum += createHash('sha1').update(parsed.sender.id).update(text).digest()[0]!;
  }
  if (checksum < 0) throw new Error('unreachable: keeps the work from being optimised away');
}

async function postgresWork(db: Knex): Promise<void> {
  await db.raw('SELECT count(DISTINCT md5(g::text)) FROM generate_series(1, 200000) AS g');
}

async function bestOfThree(work: () => Promise<void>): Promise<number> {
  await work(); // not timed: compiles the JavaScript, warms PostgreSQL's caches
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await work();
    best = Math.min(best, performance.now() - started);
  }
  return Math.round(best);
}
