import { planWrite } from './write.planner.js';
import { point } from './test-points.fixture.js';

describe('planWrite', () => {
  it('writes a coil with FC 5, one register with FC 6 and a 32-bit value with FC 16 in the device order', () => {
    expect(planWrite(point({ address: 3, area: 'coil', dataType: 'bool', writable: true }), 1)).toEqual({
      function: 'coil',
      address: 3,
      state: true,
    });
    expect(planWrite(point({ address: 4, dataType: 'int16', scale: 0.1, writable: true }), 20.5)).toEqual({
      function: 'register',
      address: 4,
      value: 205,
    });
    expect(planWrite(point({ address: 0, dataType: 'float32', wordOrder: 'little', writable: true }), 1.5)).toEqual({
      function: 'registers',
      address: 0,
      values: [0x0000, 0x3fc0],
    });
  });

  it('refuses what the point cannot take', () => {
    expect(planWrite(point({ address: 0 }), 1)).toEqual({ problem: 'UNIT001/r0 is not writable in its register map' });
    expect(planWrite(point({ address: 0, area: 'coil', dataType: 'bool', writable: true }), 2)).toEqual({
      problem: 'a coil takes 0 or 1, not 2',
    });
    expect(planWrite(point({ address: 0, dataType: 'int16', scale: 0.1, writable: true }), 20.55)).toEqual({
      problem: '20.55 does not fit int16 (raw 205.5)',
    });
    expect(planWrite(point({ address: 0, area: 'input', writable: true }), 1)).toEqual({
      problem: 'input points are read-only',
    });
  });
});
