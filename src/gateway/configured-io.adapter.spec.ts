import { EventEmitter } from 'node:events';
import { jest } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { from, mergeAll, type Observable } from 'rxjs';
import type { Socket } from 'socket.io';
import { ConfiguredIoAdapter } from './configured-io.adapter.js';

/** A socket as the binding sees it: events in, `emit` out (recorded). */
class FakeSocket extends EventEmitter {
  readonly sent: unknown[][] = [];
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'answer' || event === 'other') {
      this.sent.push([event, ...args]);
      return true;
    }
    return super.emit(event, ...args);
  }
}

/** What Nest's WebSocketsController passes: the handler's result, awaited, as an Observable. */
const transform = (result: unknown): Observable<unknown> =>
  from(Promise.resolve(result as Promise<unknown>).then((r) => from([r]))).pipe(mergeAll());

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A handler as a test writes it: Nest's real handlers return a Promise or Observable, but any value is awaited. */
type TestHandler = Partial<Omit<MessageMappingProperties, 'callback'>> & {
  message: string;
  callback: (data: unknown, ack: unknown) => unknown;
};

function bind(handlers: TestHandler[]): { socket: FakeSocket; errors: unknown[] } {
  const adapter = new ConfiguredIoAdapter({} as INestApplicationContext);
  const errors: unknown[] = [];
  (adapter as unknown as { logger: { error: (e: unknown) => void } }).logger = { error: (e) => errors.push(e) };
  const socket = new FakeSocket();
  adapter.bindMessageHandlers(
    socket as unknown as Socket,
    handlers.map(
      (h) => ({ methodName: 'm', isAckHandledManually: false, ...h }) as unknown as MessageMappingProperties,
    ),
    transform,
  );
  return { socket, errors };
}

describe('ConfiguredIoAdapter.bindMessageHandlers', () => {
  it("answers the acknowledgement with the handler's (async) result and passes the body", async () => {
    const seen: unknown[] = [];
    const { socket } = bind([
      {
        message: 'subscribe_unit',
        callback: (data: unknown) => Promise.resolve((seen.push(data), { ok: true, data })),
      },
    ]);
    const ack = jest.fn();
    socket.emit('subscribe_unit', { unit_id: 'U1' }, ack);
    await settle();
    expect(seen).toEqual([{ unit_id: 'U1' }]);
    expect(ack).toHaveBeenCalledWith({ ok: true, data: { unit_id: 'U1' } });
  });

  it('emits `{ event, data }` back instead of acknowledging, and answers nothing for a null result', async () => {
    const { socket } = bind([
      { message: 'a', callback: () => ({ event: 'answer', data: 42 }) },
      { message: 'b', callback: () => null },
    ]);
    const ackA = jest.fn();
    const ackB = jest.fn();
    socket.emit('a', 'x', ackA);
    socket.emit('b', 'y', ackB);
    await settle();
    expect(socket.sent).toEqual([['answer', 42]]);
    expect(ackA).not.toHaveBeenCalled();
    expect(ackB).not.toHaveBeenCalled();
  });

  it('hands an ack-only event (no body) on as the ack, and leaves a manually handled ack to the handler', async () => {
    const got: unknown[] = [];
    const { socket } = bind([
      { message: 'get_status', callback: (data: unknown, ack: unknown) => (got.push(data, typeof ack), { ok: 1 }) },
      { message: 'manual', isAckHandledManually: true, callback: () => ({ ok: 2 }) },
    ]);
    const ack = jest.fn();
    const manualAck = jest.fn();
    socket.emit('get_status', ack);
    socket.emit('manual', {}, manualAck);
    await settle();
    expect(got).toEqual([undefined, 'function']);
    expect(ack).toHaveBeenCalledWith({ ok: 1 });
    expect(manualAck).not.toHaveBeenCalled();
  });

  it('logs a failing handler (thrown or rejected) and keeps serving the socket', async () => {
    let calls = 0;
    const { socket, errors } = bind([
      {
        message: 'flaky',
        callback: (data: unknown) => {
          calls++;
          if (data === 'throw') throw new Error('sync');
          if (data === 'reject') return Promise.reject(new Error('async'));
          return Promise.resolve({ ok: true });
        },
      },
    ]);
    const ack = jest.fn();
    socket.emit('flaky', 'throw', jest.fn());
    socket.emit('flaky', 'reject', jest.fn());
    socket.emit('flaky', 'fine', ack);
    await settle();
    expect(calls).toBe(3);
    expect(errors.map((e) => (e as Error).message)).toEqual(['sync', 'async']);
    expect(ack).toHaveBeenCalledWith({ ok: true });
  });

  it('keeps nothing per socket but one listener per handler', () => {
    const { socket } = bind([
      { message: 'a', callback: () => null },
      { message: 'b', callback: () => null },
    ]);
    expect(socket.eventNames()).toEqual(['a', 'b']);
    expect(socket.listenerCount('a') + socket.listenerCount('b')).toBe(2);
  });
});
