import { Injectable, Logger } from '@nestjs/common';
import { ShutdownState } from '../common/lifecycle/shutdown-state.js';
import { UnitRoomGateway } from '../gateway/unit-room.gateway.js';
import { MqttConnectionService } from '../mqtt/mqtt-connection.service.js';
import { SimulatorService } from '../simulator/simulator.service.js';
import { ReadingWriter } from '../telemetry/reading.writer.js';

/** What a drain achieved, for the last log line and the exit code. */
export interface DrainReport {
  /** Every reading taken in was committed and its PUBACK sent before the deadline. */
  complete: boolean;
  /** Readings still waiting for the database at the deadline (their PUBACKs were not sent: the broker resends). */
  unwritten: number;
  /** QoS 1 messages that arrived after intake stopped, left to the broker for the next session. */
  withheld: number;
  /** QoS 0 messages that arrived after intake stopped (counted as dropped: QoS 0 has no redelivery). */
  dropped: number;
  socketClients: number;
  elapsedMs: number;
}

/**
 * The graceful shutdown, in the order the delivery contract needs: readiness goes 503 at once (the load
 * balancer and Kubernetes stop sending work), the simulator and MQTT intake stop, every batch already taken in
 * is written and its PUBACKs sent over the still-open connection, Socket.IO clients are closed cleanly, and only
 * then does the MQTT client disconnect. Nest's own shutdown hooks run after this (main.ts), and find nothing left.
 */
@Injectable()
export class ShutdownService {
  private readonly logger = new Logger(ShutdownService.name);

  constructor(
    private readonly mqtt: MqttConnectionService,
    private readonly writer: ReadingWriter,
    private readonly gateway: UnitRoomGateway,
    private readonly simulator: SimulatorService,
    private readonly state: ShutdownState,
  ) {}

  /** Runs the drain; never takes past `deadline` (epoch ms), whatever the database or broker do. */
  async drain(deadline: number): Promise<DrainReport> {
    const started = Date.now();
    // From here on /health/ready answers 503.
    this.state.begin(started);
    await this.bounded(
      this.simulator.stop().then(() => undefined),
      deadline,
    );
    this.mqtt.holdIntake();
    const written = await this.writer.settle(deadline);
    if (!written) this.writer.abandon();
    const socketClients = this.gateway.closeAll();
    // Released as each batch committed; waits only for PUBACKs of a batch that settled a moment ago.
    await this.bounded(this.mqtt.shutdown(deadline), deadline);
    const refused = this.mqtt.intakeRefused;
    const report: DrainReport = {
      complete: written,
      unwritten: this.writer.pending,
      withheld: refused.withheld,
      dropped: refused.dropped,
      socketClients,
      elapsedMs: Date.now() - started,
    };
    const summary =
      `${report.elapsedMs} ms; ${report.socketClients} Socket.IO clients closed; ` +
      `${report.withheld} QoS 1 messages left to the broker, ${report.dropped} QoS 0 dropped`;
    if (report.complete) this.logger.log(`Drained: every reading taken in is stored and acknowledged (${summary})`);
    else {
      this.logger.error(
        `Drain incomplete at the deadline: ${report.unwritten} readings not written (unacknowledged: the broker redelivers them) (${summary})`,
      );
    }
    return report;
  }

  private async bounded(work: Promise<void>, deadline: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))));
    try {
      await Promise.race([
        work.catch((err: unknown) => this.logger.warn(`Shutdown step failed: ${String(err)}`)),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
