import type { BatchAck, RawReading, RawUnitStatus, ReadingBatch } from '../common/bus/event-map.js';

/** A batch as a source hands it to the pipeline (today: the `readings.received` bus event). */
export type RawBatch = ReadingBatch<RawReading, RawUnitStatus>;

/** What one source message adds to the open batch; a rejected message adds only its token (it is still acked). */
export interface GatheredMessage<Token> {
  reading?: RawReading;
  status?: RawUnitStatus;
  /** A message that carries many (a Sparkplug payload): they share its token, so they ride in one batch. */
  readings?: readonly RawReading[];
  statuses?: readonly RawUnitStatus[];
  /** What acknowledges the message once its batch commits (an MQTT message id); absent when nothing waits. */
  token?: Token;
}

export interface BatcherOptions<Token, Context> {
  /** Messages per batch (INGEST_BATCH_SIZE): a full batch goes out at once. */
  maxMessages: number;
  /**
   * Longest the first message of a batch waits for the batch to fill (INGEST_BATCH_WINDOW_MS); 0: until the end of
   * the event-loop turn it arrived in.
   */
  windowMs: number;
  /** Where batches go. */
  sink: (batch: RawBatch) => void;
  /**
   * Builds the batch's acknowledgement from the tokens gathered under one context (called only when there are
   * tokens). Sources whose messages need no acknowledgement (OPC UA, QoS 0) leave it out.
   */
  ack?: (context: Context, tokens: Token[]) => BatchAck;
}

/**
 * Gathers what a source takes in into batches, the one way every source does it (MQTT, OPC UA, and the
 * Sparkplug and Modbus sources): readings, unit statuses and acknowledgement tokens of many messages
 * go down the pipeline as one batch. A batch goes out when it holds `maxMessages` messages, when its first
 * message has waited `windowMs` (with 0, the default, at the end of the event-loop turn it arrived in: everything
 * one socket read delivered rides in one batch, so a flood still moves in batches of hundreds while a quiet
 * plant's reading waits for no timer; a 5 ms window cost the live path 4 ms at p50 and, when the timer ran late,
 * tens of ms at p99), when `flush` is called (a disconnect, a shutdown, intake pausing), and when
 * the acknowledgement context changes: tokens of different contexts (MQTT: message ids of two connections,
 * which mean nothing on each other's) never share a batch. Per message it only pushes onto arrays: no
 * promise, no I/O.
 *
 * Use: `new Batcher({ maxMessages, windowMs, sink: (b) => bus.emit('readings.received', b), ack })`, then
 * `add(context, { reading, token })` per message.
 */
export class Batcher<Token = never, Context = undefined> {
  private readings: RawReading[] = [];
  private statuses: RawUnitStatus[] = [];
  private tokens: Token[] = [];
  private messages = 0;
  private context: Context | undefined;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  /** Batches handed to the sink. */
  batchesEmitted = 0;
  /** Readings handed to the sink. */
  readingsEmitted = 0;

  constructor(private readonly options: BatcherOptions<Token, Context>) {}

  /** Messages in the open batch. */
  get size(): number {
    return this.messages;
  }

  /** Adds one message taken in under `context` (compared with ===) to the open batch. */
  add(context: Context, message: GatheredMessage<Token>): void {
    if (this.messages > 0 && context !== this.context) this.flush();
    if (this.messages++ === 0) this.context = context;
    if (message.reading) this.readings.push(message.reading);
    if (message.status) this.statuses.push(message.status);
    if (message.readings) for (const r of message.readings) this.readings.push(r);
    if (message.statuses) for (const st of message.statuses) this.statuses.push(st);
    if (message.token !== undefined) this.tokens.push(message.token);
    if (this.messages >= this.options.maxMessages) this.flush();
    else if (this.timer === undefined) {
      this.timer =
        this.options.windowMs === 0
          ? setImmediate(() => this.flush())
          : setTimeout(() => this.flush(), this.options.windowMs);
    }
  }

  /** Sends the open batch down the pipeline now (nothing happens when it is empty). */
  flush(): void {
    if (this.timer !== undefined) {
      // Each kind of timer has its own clear: clearTimeout does not cancel an Immediate.
      if (this.options.windowMs === 0) clearImmediate(this.timer as NodeJS.Immediate);
      else clearTimeout(this.timer as NodeJS.Timeout);
      this.timer = undefined;
    }
    if (this.messages === 0) return;
    const batch: RawBatch = { readings: this.readings };
    if (this.statuses.length > 0) batch.statuses = this.statuses;
    if (this.tokens.length > 0 && this.options.ack) batch.ack = this.options.ack(this.context as Context, this.tokens);
    this.readings = [];
    this.statuses = [];
    this.tokens = [];
    this.messages = 0;
    this.context = undefined;
    this.batchesEmitted++;
    this.readingsEmitted += batch.readings.length;
    this.options.sink(batch);
  }
}
