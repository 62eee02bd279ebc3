import { Backoff } from '../common/backoff.js';
import type { Quality } from '../common/bus/event-map.js';
import { planBlocks, type ReadBlock } from './block.planner.js';
import { errorName, isDeviceException } from './modbus-errors.js';
import { PollDurations } from './poll-durations.js';
import { decodeRegisters } from './register.decoder.js';
import { type LinkOpener, type ModbusLink, openTcpLink } from './modbus-tcp.link.js';
import { isBitArea, type ModbusDevice, type ModbusPoint } from './register-map.js';
import type { WriteRequest } from './write.planner.js';

/** One point's outcome of a read: its engineering value (a bit as 0/1) and quality, or why it has none. */
export interface PointResult {
  value: number;
  quality: Quality;
  /** The failure of the point's block (an exception name, TIMEOUT, CONNECTION), when BAD. */
  error?: string;
}

/** How a write went: done (the device answered), refused by the device (an exception, by name), or failed. */
export type WriteOutcome = { ok: true } | { ok: false; exception: boolean; reason: string };

/** Where a poller's results go: the points of the device, in order, and the poll time (the source timestamp). */
export type PollSink = (device: ModbusDevice, results: readonly PointResult[], pollTime: number) => void;

/** A device's poller as the status reports it. */
export interface PollerSnapshot {
  connected: boolean;
  lastPollAt?: number;
  lastPollMs?: number;
  pollMsP50?: number;
  pollMsP99?: number;
  polls: number;
  /** Polls in which at least one block failed. */
  failedPolls: number;
  /** Scheduled polls skipped because the one before was still running. */
  latePolls: number;
  /** Block read requests sent. */
  requests: number;
  /** Read requests per poll: the planned blocks. */
  blocks: number;
  /** Failures by name: Modbus exceptions (ILLEGAL_DATA_ADDRESS, ...), TIMEOUT, CONNECTION, BAD_RESPONSE. */
  errors: Record<string, number>;
  /** Connections opened after the first. */
  reconnects: number;
  lastError?: string;
}

export interface PollerOptions {
  /** Cap of the reconnect backoff (MODBUS_RECONNECT_MAX_MS). */
  reconnectMaxMs: number;
  /** How connections are opened (default: modbus-serial over TCP; unit specs hand in a fake device). */
  open?: LinkOpener;
  /** Randomness of the backoff's jitter (specs make it fixed). */
  random?: () => number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Polls one Modbus TCP device on a fixed schedule: every `pollIntervalMs` from its start, one poll reads the
 * planned blocks one after the other, so at most one request is ever in flight to the device (gateways in front of
 * serial lines answer one at a time and drop what piles up). A scheduled poll that comes due while the last one is
 * still running is skipped and counted as late, rather than queued behind it. A block that fails gives its points
 * BAD readings stamped with the poll time; a failure other than a Modbus exception also drops the connection,
 * which is reopened with the shared backoff, and until then every scheduled poll reports all points BAD. Devices
 * poll independently of each other (one poller each).
 */
export class DevicePoller {
  private readonly blocks: ReadBlock[];
  private readonly durations = new PollDurations();
  private readonly backoff: Backoff;
  private readonly lastValues: Float64Array;
  private readonly open: LinkOpener;
  private client?: ModbusLink;
  private retryAt = 0;
  private connections = 0;
  private running = false;
  private timer?: NodeJS.Timeout;
  private due = 0;
  private inFlight?: Promise<void>;
  /** Serialises polls and one-off reads: one request at a time per device. */
  private lock: Promise<unknown> = Promise.resolve();
  private readonly counters = { polls: 0, failedPolls: 0, latePolls: 0, requests: 0 };
  private readonly errors: Record<string, number> = {};
  private lastPollAt?: number;
  private lastPollMs?: number;
  private lastError?: string;

  constructor(
    readonly device: ModbusDevice,
    private readonly sink: PollSink,
    options: PollerOptions,
  ) {
    this.blocks = planBlocks(device.points, device.maxGap);
    this.backoff = new Backoff({ initialMs: 500, maxMs: options.reconnectMaxMs, random: options.random });
    this.open = options.open ?? openTcpLink;
    this.lastValues = new Float64Array(device.points.length);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.due = performance.now();
    this.tick();
  }

  /** Stops polling, waits for the poll in flight and closes the connection. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.inFlight;
    await this.lock.catch(() => undefined);
    this.drop();
  }

  /** Reads every point once now (after the poll in flight), without sending readings down the pipeline. */
  readNow(): Promise<PointResult[]> {
    return this.exclusive(() => this.readAll(true));
  }

  /**
   * Sends one write request in turn with the polls (never two requests at once). Not retried: a command that left
   * is never sent again; the next poll reads the point back.
   */
  write(request: WriteRequest): Promise<WriteOutcome> {
    return this.exclusive(async (): Promise<WriteOutcome> => {
      if (this.client === undefined) await this.connect();
      const client = this.client;
      if (client === undefined) return { ok: false, exception: false, reason: this.lastError ?? 'CONNECTION' };
      try {
        if (request.function === 'coil') await client.writeCoil(request.address, request.state);
        else if (request.function === 'register') await client.writeRegister(request.address, request.value);
        else await client.writeRegisters(request.address, request.values);
        return { ok: true };
      } catch (err) {
        const name = this.count(errorName(err), err);
        const exception = isDeviceException(name);
        if (!exception) this.lostConnection();
        return { ok: false, exception, reason: name };
      }
    });
  }

  snapshot(): PollerSnapshot {
    return {
      connected: this.client !== undefined,
      lastPollAt: this.lastPollAt,
      lastPollMs: this.lastPollMs,
      pollMsP50: this.durations.quantile(0.5),
      pollMsP99: this.durations.quantile(0.99),
      ...this.counters,
      blocks: this.blocks.length,
      errors: { ...this.errors },
      reconnects: Math.max(0, this.connections - 1),
      lastError: this.lastError,
    };
  }

  private tick(): void {
    if (!this.running) return;
    this.inFlight = this.exclusive(() => this.poll())
      .catch((err: unknown) => {
        this.count('BAD_RESPONSE', err);
      })
      .finally(() => {
        this.inFlight = undefined;
        this.scheduleNext();
      });
  }

  /** The next slot of the fixed schedule that is still ahead; the ones that passed during the poll are late. */
  private scheduleNext(): void {
    if (!this.running) return;
    const now = performance.now();
    this.due += this.device.pollIntervalMs;
    while (this.due < now) {
      this.counters.latePolls++;
      this.due += this.device.pollIntervalMs;
    }
    this.timer = setTimeout(() => this.tick(), this.due - now);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async poll(): Promise<void> {
    const pollTime = Date.now();
    const started = performance.now();
    const results = await this.readAll(false);
    this.counters.polls++;
    if (results.some((r) => r.quality === 'BAD')) this.counters.failedPolls++;
    this.lastPollAt = pollTime;
    this.lastPollMs = performance.now() - started;
    this.durations.add(this.lastPollMs);
    this.sink(this.device, results, pollTime);
  }

  /** Every point's result, block by block; `now` connects at once instead of waiting for the backoff. */
  private async readAll(now: boolean): Promise<PointResult[]> {
    const points = this.device.points;
    const results: PointResult[] = new Array<PointResult>(points.length);
    if (this.client === undefined && (now || performance.now() >= this.retryAt)) await this.connect();
    for (const block of this.blocks) {
      const client = this.client;
      if (client === undefined) {
        this.fail(block, results, 'CONNECTION');
        continue;
      }
      try {
        this.counters.requests++;
        const read = await this.read(client, block);
        for (const { index, at } of block.points) results[index] = this.decode(points[index], index, read, at);
      } catch (err) {
        const name = this.count(errorName(err), err);
        this.fail(block, results, name);
        if (!isDeviceException(name)) this.lostConnection();
      }
    }
    return results;
  }

  private read(client: ModbusLink, block: ReadBlock): Promise<{ bits?: boolean[]; words?: Buffer }> {
    switch (block.area) {
      case 'coil':
        return client.readCoils(block.start, block.count).then((r) => ({ bits: r.data }));
      case 'discrete':
        return client.readDiscreteInputs(block.start, block.count).then((r) => ({ bits: r.data }));
      case 'holding':
        return client.readHoldingRegisters(block.start, block.count).then((r) => ({ words: r.buffer }));
      case 'input':
        return client.readInputRegisters(block.start, block.count).then((r) => ({ words: r.buffer }));
    }
  }

  private decode(point: ModbusPoint, index: number, read: { bits?: boolean[]; words?: Buffer }, at: number) {
    let value: number;
    if (isBitArea(point.area) || point.dataType === 'bool') value = read.bits?.[at] ? 1 : 0;
    else value = decodeRegisters(read.words!, at, point.dataType, point.byteOrder, point.wordOrder);
    value = isBitArea(point.area) ? value : value * point.scale + point.offset;
    // A NaN or infinite float is the device saying it has no value: BAD, keeping the last good one.
    if (!Number.isFinite(value)) return { value: this.lastValues[index], quality: 'BAD' as const, error: 'NOT_FINITE' };
    this.lastValues[index] = value;
    return { value, quality: 'GOOD' as const };
  }

  /** A failed block: its points are BAD (with their last good value, as there is no new one). */
  private fail(block: ReadBlock, results: PointResult[], error: string): void {
    for (const { index } of block.points) results[index] = { value: this.lastValues[index], quality: 'BAD', error };
  }

  private count(name: string, err: unknown): string {
    this.errors[name] = (this.errors[name] ?? 0) + 1;
    this.lastError = `${name}: ${message(err)}`;
    return name;
  }

  private async connect(): Promise<void> {
    try {
      const client = await this.open(this.device, () => {
        if (this.client !== client) return;
        this.count('CONNECTION', new Error(`connection to ${this.device.host}:${this.device.port} closed`));
        this.lostConnection();
      });
      this.client = client;
      this.connections++;
      this.backoff.reset();
    } catch (err) {
      this.count('CONNECTION', err);
      this.retryAt = performance.now() + this.backoff.next();
    }
  }

  /** Forgets the connection; the next poll past the backoff delay opens a new one. */
  private lostConnection(): void {
    if (this.client === undefined) return;
    this.drop();
    this.retryAt = performance.now() + this.backoff.next();
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    client?.close();
  }
}
