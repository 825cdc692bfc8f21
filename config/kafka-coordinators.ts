import { createRequire } from 'node:module';

/**
 * kafkajs asks the cluster which broker coordinates a transaction before every transactional call, and which
 * coordinates the consumer group before every `sendOffsets`: four FindCoordinator round trips in a transaction
 * of nine requests. The answer changes only when a coordinator moves (a broker fails, a partition of
 * `__transaction_state` or `__consumer_offsets` changes leader), so each client keeps it for a short while.
 *
 * A move is noticed the way kafkajs notices it without the cache: a request to the old coordinator fails
 * (NOT_COORDINATOR, a closed connection), the transaction aborts (its caller calls `forgetCoordinators`) and the
 * batch runs again. A look-up that fails forgets what was kept at once, and nothing is kept longer than
 * `COORDINATOR_TTL_MS`, so kafkajs's own retries (backing off from 300 ms) reach the new coordinator within a few
 * seconds, as they would have.
 *
 * kafkajs offers no hook for this: the cache wraps its `Cluster` class, whose `findGroupCoordinatorMetadata` is
 * the one place every look-up goes through (checked against kafkajs 2.2.4, pinned in package.json).
 */
const COORDINATOR_TTL_MS = 2_000;

interface CoordinatorMetadata {
  coordinator: { nodeId: number };
}

interface Lookup {
  groupId: string;
  coordinatorType?: number;
}

interface Kept {
  answers: WeakMap<object, Map<string, { answer: Promise<CoordinatorMetadata>; until: number; epoch: number }>>;
  epoch: number;
}

interface ClusterPrototype {
  findGroupCoordinator(lookup: Lookup): Promise<unknown>;
  findGroupCoordinatorMetadata(lookup: Lookup): Promise<CoordinatorMetadata>;
  [KEPT]?: Kept;
}

/**
 * The cache lives on kafkajs's class, not in this module: a process that loads this module twice (once through
 * `require`, once through `import`, as a test runner may) wraps kafkajs once and forgets through one epoch.
 */
const KEPT = Symbol.for('tributary.kafkaCoordinators');
const Cluster = createRequire(import.meta.url)('kafkajs/src/cluster/index.js') as { prototype: ClusterPrototype };
const keyOf = ({ groupId, coordinatorType }: Lookup) => `${coordinatorType ?? 0}:${groupId}`;
const kept: Kept = Cluster.prototype[KEPT] ?? install();

function install(): Kept {
  const { findGroupCoordinator, findGroupCoordinatorMetadata } = Cluster.prototype;
  if (typeof findGroupCoordinator !== 'function' || typeof findGroupCoordinatorMetadata !== 'function') {
    throw new Error('kafkajs changed: Cluster.findGroupCoordinator(Metadata) is gone; review config/kafka-coordinators.ts');
  }
  const state: Kept = { answers: new WeakMap(), epoch: 0 };
  const forget = (cluster: object, lookup: Lookup) => state.answers.get(cluster)?.delete(keyOf(lookup));

  Cluster.prototype.findGroupCoordinatorMetadata = function (this: object, lookup: Lookup) {
    const cache = state.answers.get(this) ?? new Map();
    state.answers.set(this, cache);
    const key = keyOf(lookup);
    const hit = cache.get(key);
    if (hit && hit.until > Date.now() && hit.epoch === state.epoch) return hit.answer;
    const answer = findGroupCoordinatorMetadata.call(this, lookup);
    cache.set(key, { answer, until: Date.now() + COORDINATOR_TTL_MS, epoch: state.epoch });
    answer.catch(() => forget(this, lookup));
    return answer;
  };

  Cluster.prototype.findGroupCoordinator = async function (this: object, lookup: Lookup) {
    try {
      return await findGroupCoordinator.call(this, lookup);
    } catch (error) {
      forget(this, lookup);
      throw error;
    }
  };
  Cluster.prototype[KEPT] = state;
  return state;
}

/** Every client asks again on its next look-up: for a caller whose request to a coordinator just failed. */
export function forgetCoordinators(): void {
  kept.epoch++;
}
