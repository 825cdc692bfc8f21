import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../config/logger.js';
import { NeedsActionError } from '../connectors/errors.js';
import type { ConnectorState, Publish, SkippedEvent, StreamConnector, StreamReport } from '../connectors/types.js';

/** One connector's state as `/readyz` and the admin API show it. */
export type ConnectorStatus = { connector: string; account: string; since: string } & ConnectorState;

export interface Supervisor {
  /** Starts every connector; each runs until `stop`, restarted with backoff when it fails. */
  start(): void;
  /** Aborts every connector and waits for each to finish what it had in hand. */
  stop(): Promise<void>;
  statuses(): ConnectorStatus[];
  /** The readiness check: resolves while at least one connector is live. */
  ready(): Promise<void>;
}

export interface SupervisorOptions {
  connectors: StreamConnector[];
  publish: Publish;
  logger: Logger;
  registry: Registry;
  /** First and longest pause before a failed connector runs again; each pause doubles, with jitter. */
  backoff?: { initialMs: number; maxMs: number };
  random?: () => number;
  /** Told every change of a connector's state (the stream processes record it for the admin API). */
  onStatus?: (status: ConnectorStatus) => void;
}

const STATES: ConnectorState['state'][] = ['connecting', 'live', 'backing_off', 'waiting', 'needs_action', 'stopped'];

/**
 * Runs N stream connectors (one per mailbox, bot or account) side by side. One that fails is restarted with
 * exponential backoff and jitter without touching the others; its outage is logged once, and its recovery.
 * One that needs a person (NeedsActionError) waits, showing what to do, until the process restarts.
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const log = options.logger.child({ module: 'supervisor' });
  const backoff = options.backoff ?? { initialMs: 1_000, maxMs: 60_000 };
  const random = options.random ?? Math.random;
  const metrics = supervisorMetrics(options.registry);
  const statuses = new Map<StreamConnector, ConnectorStatus>();
  const stopping = new AbortController();
  const running: Promise<void>[] = [];

  const reported = new Map<StreamConnector, string>();

  /** Records a connector's state; a report that repeats the current one changes nothing (not even `since`). */
  function setState(connector: StreamConnector, state: ConnectorState): void {
    const text = JSON.stringify(state);
    if (reported.get(connector) === text) return;
    reported.set(connector, text);
    const status: ConnectorStatus = { connector: connector.name, account: connector.account, since: new Date().toISOString(), ...state };
    statuses.set(connector, status);
    options.onStatus?.(status);
    for (const name of STATES) {
      metrics.state.set({ connector: connector.name, account: connector.account, state: name }, name === state.state ? 1 : 0);
    }
  }

  function reportFor(connector: StreamConnector, onLive: () => void): StreamReport {
    const labels = { connector: connector.name, account: connector.account };
    return {
      state(state) {
        if (state.state === 'live') onLive();
        setState(connector, state);
      },
      skipped(events: SkippedEvent[]) {
        for (const event of events) metrics.events.inc({ ...labels, outcome: event.reason });
      },
      published(count) {
        if (count > 0) metrics.events.inc({ ...labels, outcome: 'message' }, count);
        metrics.lastSuccess.set(labels, Date.now() / 1000);
      },
    };
  }

  async function supervise(connector: StreamConnector): Promise<void> {
    const signal = stopping.signal;
    const context = { connector: connector.name, account: connector.account };
    let failures = 0;
    const report = reportFor(connector, () => {
      if (failures > 0) log.info({ ...context, failures }, 'connector recovered');
      failures = 0;
    });
    while (!signal.aborted) {
      setState(connector, { state: 'connecting' });
      try {
        await connector.run(options.publish, signal, report);
        if (signal.aborted) break;
        throw new Error('the connector stopped by itself');
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof NeedsActionError) {
          log.error({ ...context, action: error.message }, 'connector needs action; it waits until the process restarts');
          setState(connector, { state: 'needs_action', action: error.message });
          await sleep(2 ** 31 - 1, undefined, { signal }).catch(() => undefined);
          break;
        }
        failures++;
        metrics.restarts.inc(context);
        const delay = backoffDelay(failures);
        // Once per outage: a connector that keeps failing does not flood the log.
        if (failures === 1) log.warn({ ...context, err: error, retryInMs: delay }, 'connector failed; restarting with backoff');
        else log.debug({ ...context, err: error, failures, retryInMs: delay }, 'connector failed again');
        setState(connector, { state: 'backing_off', reason: (error as Error).message,
          retryAt: new Date(Date.now() + delay).toISOString() });
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** Exponential, capped, with "equal jitter": half the pause is fixed, half random, so restarts spread out. */
  function backoffDelay(failures: number): number {
    const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  }

  return {
    start() {
      for (const connector of options.connectors) {
        setState(connector, { state: 'connecting' });
        running.push(supervise(connector).catch((error: unknown) => log.error({ err: error }, 'supervisor loop failed')));
      }
    },
    async stop() {
      stopping.abort();
      await Promise.all(running);
      for (const connector of options.connectors) setState(connector, { state: 'stopped' });
    },
    statuses: () => [...statuses.values()],
    async ready() {
      const all = [...statuses.values()];
      if (all.some((status) => status.state === 'live')) return;
      throw new Error(all.length === 0 ? 'no connector is configured'
        : `no connector is live: ${all.map((s) => `${s.connector}/${s.account} ${s.state}`).join(', ')}`);
    },
  };
}

function supervisorMetrics(registry: Registry) {
  return {
    state: new Gauge({ name: 'tributary_connector_state', help: 'Stream connector state: 1 for the state it is in, 0 for the others.',
      labelNames: ['connector', 'account', 'state'], registers: [registry] }),
    events: new Counter({ name: 'tributary_connector_events_total',
      help: 'Source events by outcome: message (published), or why none was (echo, status, not_a_message, unreadable, …).',
      labelNames: ['connector', 'account', 'outcome'], registers: [registry] }),
    lastSuccess: new Gauge({ name: 'tributary_connector_last_success_timestamp_seconds',
      help: 'When the connector last confirmed a position in its source after Kafka acknowledged.',
      labelNames: ['connector', 'account'], registers: [registry] }),
    restarts: new Counter({ name: 'tributary_connector_restarts_total', help: 'Times a failed connector was restarted.',
      labelNames: ['connector', 'account'], registers: [registry] }),
  };
}
