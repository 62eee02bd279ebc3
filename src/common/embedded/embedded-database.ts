import { mkdirSync } from 'node:fs';
import type { Server } from 'node:net';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * An in-process PostgreSQL (PGlite: real Postgres compiled to WebAssembly) persisted under a data directory and
 * served on a loopback port, so the backend reaches it through the same `pg` driver and SQL as a real server.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly port: number,
    readonly dataDir: string,
  ) {}

  static async start(dataDir: string, port: number): Promise<EmbeddedDatabase> {
    const dir = resolve(dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    const db = await PGlite.create({ dataDir: dir });
    // PGlite runs one statement at a time; a few connections let psql look in while the backend writes.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 4 });
    try {
      await server.start();
    } catch (err) {
      await db.close();
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(
        code === 'EADDRINUSE'
          ? `Cannot start the embedded database: port ${port} is already in use. Set EMBEDDED_DATABASE_PORT to a free port (0 picks one).`
          : `Cannot start the embedded database in ${dir}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    const bound = port === 0 ? EmbeddedDatabase.boundPort(server) : port;
    return new EmbeddedDatabase(db, server, bound, dir);
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }

  private static boundPort(server: PGLiteSocketServer): number {
    // The socket server keeps its net.Server private; port 0 needs the address the OS picked.
    const net = (server as unknown as { server?: Server }).server;
    const address = net?.address();
    if (!address || typeof address !== 'object') throw new Error('Embedded database did not report its port');
    return address.port;
  }
}
