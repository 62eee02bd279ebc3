import { ReadingDeadLetter } from './reading-dead-letter.entity.js';
import { Sensor } from './sensor.entity.js';
import { SensorReading } from './sensor-reading.entity.js';
import { Unit } from './unit.entity.js';

export const TELEMETRY_ENTITIES = [Unit, Sensor, SensorReading, ReadingDeadLetter];
export { ReadingDeadLetter, Sensor, SensorReading, Unit };
