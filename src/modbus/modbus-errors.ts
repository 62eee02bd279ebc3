/** Modbus exception codes by their specification names (MODBUS Application Protocol v1.1b3, section 7). */
export const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  1: 'ILLEGAL_FUNCTION',
  2: 'ILLEGAL_DATA_ADDRESS',
  3: 'ILLEGAL_DATA_VALUE',
  4: 'SERVER_DEVICE_FAILURE',
  5: 'ACKNOWLEDGE',
  6: 'SERVER_DEVICE_BUSY',
  8: 'MEMORY_PARITY_ERROR',
  10: 'GATEWAY_PATH_UNAVAILABLE',
  11: 'GATEWAY_TARGET_DEVICE_FAILED_TO_RESPOND',
};

/**
 * What kind of failure a request ended in, as one name for the status's `errors` counts: an exception the device
 * answered with (by name; the connection is fine), a `TIMEOUT`, a lost or refused `CONNECTION`, or a
 * `BAD_RESPONSE` (a reply that does not match the request). Only an exception leaves the connection usable.
 */
export function errorName(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const e = err as { modbusCode?: unknown; name?: unknown; errno?: unknown; code?: unknown; message?: unknown };
    if (typeof e.modbusCode === 'number') return EXCEPTION_NAMES[e.modbusCode] ?? `EXCEPTION_${e.modbusCode}`;
    if (e.name === 'TransactionTimedOutError' || e.errno === 'ETIMEDOUT' || e.code === 'ETIMEDOUT') return 'TIMEOUT';
    if (e.name === 'PortNotOpenError' || (typeof e.code === 'string' && e.code.startsWith('E'))) return 'CONNECTION';
  }
  return 'BAD_RESPONSE';
}

/** Whether the device answered (a Modbus exception): then the connection stays; anything else closes it. */
export function isDeviceException(name: string): boolean {
  return Object.values(EXCEPTION_NAMES).includes(name) || name.startsWith('EXCEPTION_');
}
