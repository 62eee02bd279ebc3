import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;
/** A startup and a password message are small; anything larger before authentication is not a client of ours. */
const MAX_PRE_AUTH_BYTES = 16 * 1024;
const AUTH_TIMEOUT_MS = 10_000;

const md5 = (text: string | Buffer): string => createHash('md5').update(text).digest('hex');

/** A PostgreSQL ErrorResponse (severity FATAL) with this SQLSTATE and message. */
function fatal(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

/** The parameters (user, database, …) of a protocol 3.0 StartupMessage. */
function startupParameters(message: Buffer): Map<string, string> {
  const parts = message.subarray(8).toString('utf8').split('\0');
  const params = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params.set(parts[i], parts[i + 1]);
  return params;
}

/**
 * The password check PGlite's socket server does not have, on a loopback TCP port in front of it. PGlite accepts
 * any startup message as the superuser, so on TCP (reachable by every local user) each connection must first pass
 * PostgreSQL's own MD5 password exchange, which `pg`, psql and every driver speak; only then is the client's
 * startup message passed on to the database's Unix socket (reachable by this OS user only) and the two sides are
 * piped together. A wrong or missing password gets SQLSTATE 28P01 and the connection is closed; nothing reaches
 * the database before that. SSL and GSS encryption requests are declined (loopback only).
 */
export class PasswordGate {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly port: number,
  ) {}

  static async start(host: string, port: number, password: string, upstreamPath: string): Promise<PasswordGate> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      PasswordGate.handle(socket, password, upstreamPath);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('The embedded database port did not report itself');
    return new PasswordGate(server, sockets, address.port);
  }

  /** Stops listening and closes the connections still open (their clients see the database go away). */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private static handle(socket: Socket, password: string, upstreamPath: string): void {
    let buffer = Buffer.alloc(0);
    let startup: Buffer | undefined;
    let user = '';
    const salt = randomBytes(4);
    const timer = setTimeout(() => socket.destroy(), AUTH_TIMEOUT_MS);
    const refuse = (code: string, message: string): void => {
      clearTimeout(timer);
      socket.end(fatal(code, message));
    };
    socket.on('error', () => socket.destroy());
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length > MAX_PRE_AUTH_BYTES) return refuse('08P01', 'startup packet too long');
      while (startup === undefined && buffer.length >= 8) {
        const length = buffer.readInt32BE(0);
        if (length < 8 || length > MAX_PRE_AUTH_BYTES) return refuse('08P01', 'invalid startup packet length');
        if (buffer.length < length) return;
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        const code = message.readInt32BE(4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          socket.write('N');
          continue;
        }
        if (code !== PROTOCOL_3) return refuse('0A000', 'unsupported frontend protocol or cancel request');
        startup = Buffer.from(message);
        user = startupParameters(startup).get('user') ?? '';
        const request = Buffer.alloc(13);
        request.write('R', 0);
        request.writeInt32BE(12, 1);
        request.writeInt32BE(5, 5); // AuthenticationMD5Password
        salt.copy(request, 9);
        socket.write(request);
      }
      if (startup === undefined || buffer.length < 5) return;
      const length = buffer.readInt32BE(1);
      if (buffer[0] !== 0x70 /* 'p' */ || length < 5) return refuse('08P01', 'expected a password message');
      if (buffer.length < 1 + length) return;
      const sent = buffer.subarray(5, length).toString('utf8').replace(/\0$/, '');
      const rest = buffer.subarray(1 + length);
      const expected = 'md5' + md5(Buffer.concat([Buffer.from(md5(password + user)), salt]));
      const ok = sent.length === expected.length && timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
      if (!ok) return refuse('28P01', `password authentication failed for user "${user}"`);
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      const upstream = connect(upstreamPath, () => {
        upstream.write(startup!);
        if (rest.length > 0) upstream.write(rest);
        socket.pipe(upstream).pipe(socket);
        socket.resume();
      });
      upstream.on('error', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      upstream.on('close', () => socket.destroy());
    };
    socket.on('data', onData);
  }
}
