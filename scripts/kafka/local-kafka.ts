/**
 * A single-node KRaft Apache Kafka broker for development and tests, run from the jars
 * Maven fetches into `.kafka/lib` (see pom.xml beside this file). Nothing here is used in production.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const kafkaHome = join(projectRoot, '.kafka');
const libDir = join(kafkaHome, 'lib');
const brokerJar = join(libDir, 'kafka_2.13-3.9.1.jar');
/** Base64url of 16 fixed bytes: storage formatted once stays valid across restarts. */
const clusterId = 'VHJpYnV0YXJ5LUthZmthMQ';

export interface LocalKafka {
  brokers: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface LocalKafkaOptions {
  /** Folder under `.kafka/` holding this broker's data and log (kept between runs). */
  name: string;
  /** Client port; 0 picks a free one. The controller listens on another free port. */
  port: number;
  /** Start from empty storage and delete it on stop (tests, benchmarks); otherwise data survives restarts. */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

export function ensureKafkaJars(log: (line: string) => void = () => {}): void {
  if (existsSync(brokerJar)) return;
  log('fetching Apache Kafka 3.9.1 from Maven Central into .kafka/lib (first run only)…');
  const result = spawnSync(
    'mvn',
    ['-B', '-q', '-f', join(projectRoot, 'scripts/kafka/pom.xml'), 'dependency:copy-dependencies',
      '-DincludeScope=runtime', `-DoutputDirectory=${libDir}`],
    { stdio: 'inherit' },
  );
  if (result.status !== 0 || !existsSync(brokerJar)) {
    throw new Error('could not fetch the Kafka jars with Maven: is `mvn` installed and Maven Central reachable?');
  }
}

export async function startLocalKafka(options: LocalKafkaOptions): Promise<LocalKafka> {
  const log = options.log ?? (() => {});
  ensureKafkaJars(log);
  const port = options.port || (await freePort());
  const controllerPort = await freePort();
  const home = join(kafkaHome, options.name);
  const removeHome = () => rmSync(home, { recursive: true, force: true });
  if (options.ephemeral) removeHome();
  mkdirSync(home, { recursive: true });
  const propertiesFile = join(home, 'server.properties');
  const logFile = join(home, 'server.log');
  writeFileSync(propertiesFile, serverProperties(home, port, controllerPort));
  writeFileSync(join(home, 'log4j.properties'), log4jProperties(logFile));

  const java = ['-Xms256m', '-Xmx512m', `-Dlog4j.configuration=file:${join(home, 'log4j.properties')}`,
    '-cp', `${libDir}/*`];
  const format = spawnSync('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', clusterId,
    '-c', propertiesFile, '--ignore-formatted'], { encoding: 'utf8' });
  if (format.status !== 0) throw new Error(`kafka storage format failed:\n${format.stderr || format.stdout}`);

  log(`starting Kafka on 127.0.0.1:${port} (log: ${logFile})`);
  const broker = spawn('java', [...java, 'kafka.Kafka', propertiesFile], { stdio: 'ignore' });
  const exited = new Promise<number | null>((done) => broker.once('exit', (code) => done(code)));
  try {
    await waitForPort(port, exited, 90_000);
  } catch (error) {
    broker.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- last lines of ${logFile} ---\n${tail(logFile, 40)}`);
  }
  return {
    brokers: `127.0.0.1:${port}`,
    logFile,
    async stop() {
      await stopBroker(broker, exited);
      if (options.ephemeral) removeHome();
    },
  };
}

async function stopBroker(broker: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (broker.exitCode !== null || broker.signalCode !== null) return;
  broker.kill('SIGTERM');
  const timer = setTimeout(() => broker.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function serverProperties(home: string, port: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(home, 'data')}`,
    'num.partitions=3',
    'auto.create.topics.enable=true',
    // One broker: internal topics must not ask for more replicas than exist, or group
    // coordinators and transactions never become available.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=10',
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=24',
    'log.segment.bytes=67108864',
    '',
  ].join('\n');
}

function log4jProperties(logFile: string): string {
  return [
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${logFile}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka=INFO',
    'log4j.logger.org.apache.kafka=INFO',
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.log.LogCleaner=WARN',
    '',
  ].join('\n');
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

async function waitForPort(port: number, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let brokerExit: number | null | undefined;
  void exited.then((code) => { brokerExit = code; });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (brokerExit !== undefined) throw new Error(`Kafka exited with code ${brokerExit} before it was ready`);
    if (await answers(port)) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`Kafka did not open 127.0.0.1:${port} within ${timeoutMs / 1000}s`);
}

function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}
