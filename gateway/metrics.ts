import { Counter, Histogram, type Registry } from 'prom-client';
import type { Publisher } from '../connectors/publisher.js';

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

/** The gateway's own metrics, on the process's registry (the runtime adds Node's default ones). */
export function createGatewayMetrics(registry: Registry) {
  return {
    messagesIn: new Counter({
      name: 'tributary_gateway_messages_in_total', help: 'Envelopes accepted and acknowledged by Kafka.',
      labelNames: ['channel'], registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'tributary_gateway_webhook_events_total',
      help: 'Provider events by outcome: message (published), or why none was (echo, status, receipt, reaction, edit, delete, not_a_message, unknown).',
      labelNames: ['connector', 'outcome'], registers: [registry],
    }),
    requests: new Counter({
      name: 'tributary_gateway_http_requests_total', help: 'HTTP requests by route and status.',
      labelNames: ['route', 'status'], registers: [registry],
    }),
    publishSeconds: new Histogram({
      name: 'tributary_gateway_publish_seconds', help: 'Time from request to Kafka acknowledgement.',
      registers: [registry], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    }),
  };
}

/** The gateway's publisher: times each acknowledgement and counts what Kafka acknowledged, by channel. */
export function meteredPublisher(publisher: Publisher, metrics: GatewayMetrics): Publisher {
  return {
    async publish(envelopes) {
      if (envelopes.length === 0) return;
      const stopTimer = metrics.publishSeconds.startTimer();
      await publisher.publish(envelopes);
      stopTimer();
      for (const envelope of envelopes) metrics.messagesIn.inc({ channel: envelope.channel });
    },
  };
}
