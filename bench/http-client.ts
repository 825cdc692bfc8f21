import { connect, type Socket } from 'node:net';

/**
 * The bench's load generator: HTTP/1.1 POSTs over kept-alive sockets, one request at a time per socket, written
 * as one pre-built buffer and answered by reading the status line and Content-Length. Node's own client cost
 * the bench ~180 µs of CPU more per request (the bench process per accepted request: 272–312 → 93–123 µs), which
 * on a 2-core box running everything is CPU taken from the system under test, as a load generator on another
 * machine's would not be.
 */
export interface HttpClient {
  /** Sends `body` to `path` and resolves with the answer's status once its body is read. */
  post(path: string, body: string): Promise<number>;
  /** Requests that were sent again on a new socket because the gateway closed a kept-alive one as it was reused. */
  readonly resent: number;
  close(): void;
}

interface Pending {
  status: number;
  /** Bytes of the answer still to read once its head is parsed; -1 while it is not. */
  remaining: number;
  head: string;
  done: (status: number) => void;
  fail: (error: Error) => void;
}

interface Connection {
  socket: Socket;
  pending?: Pending;
  /** The gateway answered `Connection: close`: the socket is not reused. */
  closing: boolean;
}

export function httpClient(options: { host: string; port: number; headers: Record<string, string>; maxSockets: number }): HttpClient {
  const fixedHeaders = Object.entries({ host: `${options.host}:${options.port}`, ...options.headers })
    .map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const idle: Connection[] = [];
  const waiting: ((connection: Connection) => void)[] = [];
  let open = 0;
  let resent = 0;

  function opened(): Connection {
    open++;
    const connection: Connection = { socket: connect(options.port, options.host), closing: false };
    connection.socket.setNoDelay(true);
    connection.socket.on('data', (chunk: Buffer) => read(connection, chunk));
    const lost = (error?: Error) => {
      const pending = connection.pending;
      connection.pending = undefined;
      connection.closing = true;
      pending?.fail(error ?? Object.assign(new Error('socket closed'), { code: 'ECONNRESET' }));
    };
    const retire = () => {
      const at = idle.indexOf(connection);
      if (at >= 0) idle.splice(at, 1);
    };
    connection.socket.on('error', lost);
    // The gateway ends a socket kept idle past its keep-alive timeout: never lend it again from then on.
    connection.socket.on('end', retire);
    connection.socket.on('close', () => {
      open--;
      retire();
      lost();
    });
    return connection;
  }

  function read(connection: Connection, chunk: Buffer): void {
    const pending = connection.pending;
    if (!pending) return;
    if (pending.remaining < 0) {
      pending.head += chunk.toString('latin1');
      const end = pending.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = pending.head.slice(0, end);
      pending.status = Number(head.slice(9, 12));
      pending.remaining = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0) - (pending.head.length - end - 4);
      connection.closing = /\r\nconnection: *close/i.test(head);
    } else {
      pending.remaining -= chunk.length;
    }
    if (pending.remaining > 0) return;
    connection.pending = undefined;
    release(connection);
    pending.done(pending.status);
  }

  /** The socket used last (kept warm), or with `fresh` a new one: for a resend, as the other idle ones may be as stale. */
  function acquire(fresh = false): Promise<Connection> {
    const connection = fresh ? undefined : idle.pop();
    if (connection) return Promise.resolve(connection);
    if (open < options.maxSockets) return Promise.resolve(opened());
    return new Promise((ready) => waiting.push(ready));
  }

  function release(connection: Connection): void {
    if (connection.closing) {
      connection.socket.destroy();
      const next = waiting.shift();
      if (next) next(opened());
      return;
    }
    const next = waiting.shift();
    if (next) next(connection);
    else idle.push(connection);
  }

  async function send(request: Buffer, fresh = false): Promise<number> {
    const connection = await acquire(fresh);
    return new Promise<number>((done, fail) => {
      connection.pending = { status: 0, remaining: -1, head: '', done, fail };
      connection.socket.write(request);
    });
  }

  return {
    async post(path, body) {
      const request = Buffer.from(`POST ${path} HTTP/1.1\r\n${fixedHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      // A kept-alive socket the gateway closed just as it was reused: send again on a new socket, as any client
      // would (the same message id, so the gateway's answer and the resolved record are the same).
      return send(request).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') throw error;
        resent++;
        return send(request, true);
      });
    },
    get resent() {
      return resent;
    },
    close() {
      for (const connection of idle.splice(0)) connection.socket.destroy();
    },
  };
}
