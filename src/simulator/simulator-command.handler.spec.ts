import { PlantModel } from './plant-model.js';
import { type CommandReplies, SimulatorCommandHandler } from './simulator-command.handler.js';
import { NO_ANOMALIES } from './unit-model.js';
import { ALWAYS_ONLINE } from './unit-status.js';

const NOW = Date.UTC(2026, 11, 3, 10);
const ID = '0f8e2a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b';

function setup() {
  const plant = new PlantModel({ anomalies: NO_ANOMALIES, status: ALWAYS_ONLINE, units: 2 });
  plant.tick(NOW - 1000);
  const sent: unknown[][] = [];
  const replies: CommandReplies = {
    acknowledge: (...args) => sent.push(['ack', ...args]),
    publishPoint: (...args) => sent.push(['point', ...args]),
  };
  return { handler: new SimulatorCommandHandler(plant, replies, () => NOW), sent };
}

const command = (value: unknown, expiresInMs = 10_000): Buffer =>
  Buffer.from(JSON.stringify({ command_id: ID, value, expires_at: new Date(NOW + expiresInMs).toISOString() }));

describe('SimulatorCommandHandler', () => {
  it('acks an accepted command and reports the point’s new value at once', () => {
    const { handler, sent } = setup();
    handler.handle('UNIT001', 'temperature_setpoint', command(21.5));
    handler.handle('UNIT002', 'pump', command(false));
    expect(sent).toEqual([
      ['ack', 'UNIT001', 'temperature_setpoint', ID],
      ['point', 'UNIT001', 'temperature_setpoint', 21.5, new Date(NOW).toISOString()],
      ['ack', 'UNIT002', 'pump', ID],
      ['point', 'UNIT002', 'pump', 0, new Date(NOW).toISOString()],
    ]);
    expect(handler.counts).toMatchObject({ accepted: 2, rejected: 0 });
  });

  it('rejects with a reason what the unit refuses, and points it does not have', () => {
    const { handler, sent } = setup();
    handler.handle('UNIT001', 'temperature_setpoint', command(80));
    handler.handle('UNIT001', 'pressure', command(3));
    expect(sent).toEqual([
      ['ack', 'UNIT001', 'temperature_setpoint', ID, "setpoint 80 °C is outside the unit's range 0 to 35 °C"],
      ['ack', 'UNIT001', 'pressure', ID, 'pressure is not a writable point of this unit'],
    ]);
    expect(handler.counts.rejected).toBe(2);
  });

  it('ignores expired and malformed commands and commands to unknown units, answering nothing', () => {
    const { handler, sent } = setup();
    handler.handle('UNIT001', 'pump', command(0, 0));
    handler.handle('UNIT001', 'pump', command(0, -5000));
    handler.handle('UNIT001', 'pump', Buffer.from('not json'));
    handler.handle('UNIT009', 'pump', command(0));
    expect(sent).toEqual([]);
    expect(handler.counts).toEqual({ accepted: 0, rejected: 0, expired: 2, malformed: 1, unanswered: 1 });
  });
});
