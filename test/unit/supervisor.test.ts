import { expect } from 'chai';
import { Registry } from 'prom-client';
import type { Envelope } from '../../connectors/envelope.js';
import { NeedsActionError } from '../../connectors/errors.js';
import type { Publish, StreamConnector, StreamReport } from '../../connectors/types.js';
import { createSupervisor } from '../../runtime/supervisor.js';
import { logger } from '../helpers/harness.js';
import { waitFor } from '../helpers/wait-for.js';

/** A connector scripted run by run: each entry says what that run does. */
function scripted(account: string, runs: ((publish: Publish, signal: AbortSignal, report: StreamReport) => Promise<void>)[]) {
  let calls = 0;
  const connector: StreamConnector & { calls: () => number } = {
    name: 'test',
    account,
    calls: () => calls,
    async run(publish, signal, report) {
      const step = runs[Math.min(calls++, runs.length - 1)]!;
      await step(publish, signal, report!);
    },
  };
  return connector;
}

const fail = (message: string) => async () => { throw new Error(message); };
const liveUntilStopped = async (_publish: Publish, signal: AbortSignal, report: StreamReport) => {
  report.state({ state: 'live' });
  await new Promise((stopped) => signal.addEventListener('abort', stopped));
};

describe('the stream-connector supervisor', () => {
  const backoff = { initialMs: 5, maxMs: 40 };

  it('restarts a failing connector with backoff until it is live, and reports it ready', async () => {
    const connector = scripted('a', [fail('refused'), fail('refused'), liveUntilStopped]);
    const registry = new Registry();
    const supervisor = createSupervisor({ connectors: [connector], publish: async () => {}, logger, registry, backoff });
    supervisor.start();
    await waitFor(() => supervisor.statuses()[0]?.state === 'live', { what: 'the connector to be live' });
    await supervisor.ready();
    expect(connector.calls()).to.equal(3);
    const metrics = await registry.metrics();
    expect(metrics).to.include('tributary_connector_restarts_total{connector="test",account="a"} 2');
    expect(metrics).to.include('tributary_connector_state{connector="test",account="a",state="live"} 1');
    expect(metrics).to.include('tributary_connector_state{connector="test",account="a",state="backing_off"} 0');
    await supervisor.stop();
  });

  it('keeps one failing connector from touching the others, and is ready while one is live', async () => {
    const broken = scripted('broken', [fail('down')]);
    const healthy = scripted('healthy', [liveUntilStopped]);
    const supervisor = createSupervisor({ connectors: [broken, healthy], publish: async () => {}, logger, registry: new Registry(), backoff });
    supervisor.start();
    await waitFor(() => broken.calls() >= 3, { what: 'several restarts of the broken connector' });
    expect(healthy.calls()).to.equal(1);
    const states = Object.fromEntries(supervisor.statuses().map((status) => [status.account, status.state]));
    expect(states).to.deep.equal({ broken: 'backing_off', healthy: 'live' });
    await supervisor.ready();
    await supervisor.stop();
  });

  it('stops retrying a connector that needs a person, says what to do, and is not ready', async () => {
    const connector = scripted('mailbox@example.com', [async () => { throw new NeedsActionError('the IMAP server refused the password: fix it'); }]);
    const supervisor = createSupervisor({ connectors: [connector], publish: async () => {}, logger, registry: new Registry(), backoff });
    supervisor.start();
    await waitFor(() => supervisor.statuses()[0]?.state === 'needs_action', { what: 'needs_action' });
    await new Promise((settle) => setTimeout(settle, 100));
    expect(connector.calls()).to.equal(1);
    expect(supervisor.statuses()[0]).to.include({ state: 'needs_action', action: 'the IMAP server refused the password: fix it' });
    let refusal: unknown;
    await supervisor.ready().catch((error: unknown) => (refusal = error));
    expect(String(refusal)).to.match(/no connector is live: test\/mailbox@example.com needs_action/);
    await supervisor.stop();
  });

  it('counts what a connector published and skipped, by reason', async () => {
    const envelopes: Envelope[][] = [];
    const connector = scripted('bot', [async (publish, signal, report) => {
      report.state({ state: 'live' });
      await publish([]);
      report.published(3);
      report.skipped([{ reason: 'edit', type: 'edited_message' }, { reason: 'edit', type: 'edited_message' }, { reason: 'unreadable', type: 'update' }]);
      await new Promise((stopped) => signal.addEventListener('abort', stopped));
    }]);
    const registry = new Registry();
    const supervisor = createSupervisor({ connectors: [connector], publish: async (batch) => void envelopes.push(batch), logger, registry, backoff });
    supervisor.start();
    await waitFor(async () => (await registry.metrics()).includes('outcome="unreadable"'), { what: 'the skipped events counted' });
    const metrics = await registry.metrics();
    expect(metrics).to.include('tributary_connector_events_total{connector="test",account="bot",outcome="message"} 3');
    expect(metrics).to.include('tributary_connector_events_total{connector="test",account="bot",outcome="edit"} 2');
    expect(metrics).to.match(/tributary_connector_last_success_timestamp_seconds\{connector="test",account="bot"\} \d+/);
    expect(envelopes).to.deep.equal([[]]);
    await supervisor.stop();
  });

  it('aborts every connector on stop and waits for each to finish', async () => {
    let finished = false;
    const connector = scripted('x', [async (_publish, signal, report) => {
      report.state({ state: 'live' });
      await new Promise((stopped) => signal.addEventListener('abort', stopped));
      await new Promise((flush) => setTimeout(flush, 20));
      finished = true;
    }]);
    const supervisor = createSupervisor({ connectors: [connector], publish: async () => {}, logger, registry: new Registry(), backoff });
    supervisor.start();
    await waitFor(() => supervisor.statuses()[0]?.state === 'live', { what: 'live' });
    await supervisor.stop();
    expect(finished).to.equal(true);
    expect(connector.calls()).to.equal(1);
  });
});
