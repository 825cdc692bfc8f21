import type { Logger } from '../config/logger.js';
import type { Db } from '../db/client.js';
import { connectorStateStore } from '../db/repositories/connector-state.js';
import type { ConnectorStatus } from '../runtime/supervisor.js';

/** How often a running process confirms its connectors' states, so the admin API can tell a stale one. */
const HEARTBEAT_MS = 30_000;

/**
 * Records each stream connector's state in its `connector_state` (key `status`) as the supervisor reports it,
 * and again every 30 s: the admin API, in another process, shows it, and flags one that stopped being confirmed
 * (its process died). Writes per connector go one at a time, so the last state reported is the one stored.
 */
export function recordStatuses(db: Db, logger: Logger) {
  const latest = new Map<string, ConnectorStatus>();
  const writes = new Map<string, Promise<void>>();
  const write = (status: ConnectorStatus) => {
    const id = `${status.connector}/${status.account}`;
    const next = (writes.get(id) ?? Promise.resolve())
      .then(() => connectorStateStore(db, status.connector, status.account).set({ status: { ...status, reportedAt: new Date().toISOString() } }))
      .catch((error: unknown) => logger.warn({ err: error, connector: id }, 'could not record the connector state'));
    writes.set(id, next);
  };
  const timer = setInterval(() => latest.forEach(write), HEARTBEAT_MS);
  timer.unref();
  return {
    onStatus(status: ConnectorStatus) {
      latest.set(`${status.connector}/${status.account}`, status);
      write(status);
    },
    /** Stops confirming; resolves once every state reported so far (the supervisor's last: stopped) is written. */
    async stop() {
      clearInterval(timer);
      await Promise.all(writes.values());
    },
  };
}
