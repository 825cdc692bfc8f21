/**
 * Gathers the batches kafkajs hands over at the same time (one per partition of a fetch, with
 * `partitionsConsumedConcurrently`) into groups processed as one; each `add` resolves, or rejects, with its
 * group. A group closes at the end of the event-loop turn in which its first batch arrived, or when the next
 * batch would take it past `maxMessages`.
 */
interface Group<T> {
  items: T[];
  size: number;
  settle: Promise<void>;
}

export function batchGroups<T>(options: { maxMessages: number; size: (item: T) => number; run: (group: T[]) => Promise<void> }) {
  let open: Group<T> | undefined;

  function start(): Group<T> {
    let release!: () => void;
    const gathered = new Promise<void>((resolve) => { release = resolve; });
    const group: Group<T> = { items: [], size: 0, settle: Promise.resolve() };
    group.settle = gathered.then(() => options.run(group.items));
    // kafkajs starts every partition's batch of a fetch within one turn: the group closes after it.
    setImmediate(() => {
      if (open === group) open = undefined;
      release();
    });
    return group;
  }

  return {
    add(item: T): Promise<void> {
      const size = options.size(item);
      if (open && open.size > 0 && open.size + size > options.maxMessages) open = undefined;
      const group = open ?? (open = start());
      group.items.push(item);
      group.size += size;
      return group.settle;
    },
  };
}
