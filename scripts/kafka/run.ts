/**
 * `npm run kafka`: the local single-node broker alone, in the foreground, on LOCAL_KAFKA_PORT (default 9092).
 * For running tests or processes against one long-lived broker (KAFKA_BROKERS=127.0.0.1:9092). Ctrl-C stops it.
 */
import { startLocalKafka } from './local-kafka.js';

const kafka = await startLocalKafka({ name: 'dev', port: Number(process.env.LOCAL_KAFKA_PORT ?? 9092), log: console.error });
console.error(`Kafka is up on ${kafka.brokers}; logs in ${kafka.logFile}`);
const stop = () => void kafka.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
