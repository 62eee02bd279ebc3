import { errorName, isDeviceException } from './modbus-errors.js';
import { PollDurations } from './poll-durations.js';

describe('errorName', () => {
  it('names Modbus exceptions, timeouts and connection failures', () => {
    expect(errorName(Object.assign(new Error('Modbus exception 2'), { modbusCode: 2 }))).toBe('ILLEGAL_DATA_ADDRESS');
    expect(errorName({ modbusCode: 11 })).toBe('GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND');
    expect(errorName({ modbusCode: 99 })).toBe('EXCEPTION_99');
    expect(errorName({ name: 'TransactionTimedOutError', errno: 'ETIMEDOUT' })).toBe('TIMEOUT');
    expect(errorName(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe('CONNECTION');
    expect(errorName({ name: 'PortNotOpenError' })).toBe('CONNECTION');
    expect(errorName(new Error('Data length error'))).toBe('BAD_RESPONSE');
    expect(errorName(undefined)).toBe('BAD_RESPONSE');
  });

  it('tells device exceptions (connection fine) from the rest', () => {
    expect(isDeviceException('ILLEGAL_DATA_ADDRESS')).toBe(true);
    expect(isDeviceException('EXCEPTION_99')).toBe(true);
    expect(isDeviceException('TIMEOUT')).toBe(false);
    expect(isDeviceException('CONNECTION')).toBe(false);
  });
});

describe('PollDurations', () => {
  it('gives nearest-rank quantiles of the last samples only', () => {
    const d = new PollDurations(100);
    expect(d.quantile(0.5)).toBeUndefined();
    for (let i = 1; i <= 100; i++) d.add(i);
    expect(d.quantile(0.5)).toBe(50);
    expect(d.quantile(0.99)).toBe(99);
    for (let i = 0; i < 100; i++) d.add(1000);
    expect(d.quantile(0.5)).toBe(1000);
  });
});
