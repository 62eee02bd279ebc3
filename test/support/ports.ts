import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1 (the machine's own services hold 1883, 5432, 6379). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
