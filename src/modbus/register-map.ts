/** The four Modbus data areas: two of bits (coils read/write, discrete inputs read-only), two of 16-bit registers. */
export const MODBUS_AREAS = ['coil', 'discrete', 'holding', 'input'] as const;
export type ModbusArea = (typeof MODBUS_AREAS)[number];

/** How a point's registers (or bit) are read as a number. */
export const MODBUS_DATA_TYPES = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'] as const;
export type ModbusDataType = (typeof MODBUS_DATA_TYPES)[number];

/** Byte order inside each 16-bit register, and word order across the registers of a 32/64-bit value. */
export const MODBUS_ORDERS = ['big', 'little'] as const;
export type ModbusOrder = (typeof MODBUS_ORDERS)[number];

/** One mapped value of a device: where it sits, how to read it and which unit sensor it feeds. */
export interface ModbusPoint {
  area: ModbusArea;
  /** Zero-based protocol address (register 40001 is holding address 0). */
  address: number;
  dataType: ModbusDataType;
  /** `big`: the high byte first in each register, as the protocol sends it. */
  byteOrder: ModbusOrder;
  /** `big`: the most significant register first; `little`: word-swapped (many PLCs store floats this way). */
  wordOrder: ModbusOrder;
  /** Multiplies the raw value (registers only: a bit is a digital point, stored exactly). */
  scale: number;
  /** Added after scaling. */
  offset: number;
  unitId: string;
  sensorType: string;
  /** May be written through the commands API (coils and holding registers only). */
  writable: boolean;
}

/** What an engineer configures for one Modbus TCP device. */
export interface ModbusDeviceConfig {
  name: string;
  host: string;
  port: number;
  /** The Modbus unit identifier (slave id) the device answers to, 0-255. */
  modbusUnitId: number;
  pollIntervalMs: number;
  /** How long one request may take before it fails as a timeout. */
  timeoutMs: number;
  /** Unmapped addresses a block read may span to merge two nearby points; 0 merges only contiguous ones. */
  maxGap: number;
  points: ModbusPoint[];
}

/** A stored device. */
export interface ModbusDevice extends ModbusDeviceConfig {
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Bit areas hold one bit per address; register areas one 16-bit word per address. */
export function isBitArea(area: ModbusArea): boolean {
  return area === 'coil' || area === 'discrete';
}

/** Addresses a point occupies: one bit, or 1, 2 or 4 registers. */
export function pointWidth(dataType: ModbusDataType): number {
  switch (dataType) {
    case 'bool':
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'float64':
      return 4;
  }
}

/** The protocol's most registers per read (FC 3/4) and most bits per read (FC 1/2). */
export const MAX_READ_REGISTERS = 125;
export const MAX_READ_BITS = 2000;
/** The highest protocol address. */
export const MAX_ADDRESS = 65535;
