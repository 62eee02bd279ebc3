import type { Server } from 'node:net';

/** Listens on host:port and turns "address in use" into an error a user can act on. */
export function listenOrExplain(
  server: Server,
  host: string,
  port: number,
  what: string,
  hint: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`Cannot start ${what}: port ${port} on ${host} is already in use. ${hint}`)
          : new Error(`Cannot start ${what} on ${host}:${port}: ${err.message}`),
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
