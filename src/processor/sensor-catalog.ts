import { TokenBucket } from '../common/token-bucket.js';

/** How many units and sensors readings may register, and how fast. */
export interface CardinalityLimits {
  maxUnits: number;
  maxSensorsPerUnit: number;
  /** New sensors per minute on average; this many may come at once. */
  maxNewSensorsPerMinute: number;
}

/** A sensor admitted under the caps whose database row (and id) the writer has not created yet. */
const PENDING = 0;

/**
 * Every unit and sensor this instance knows, with the sensor ids once they exist, and the gate that keeps an
 * outsider from growing them without bound: the processor asks `admit` for each valid reading and drops (as
 * `cardinality_limit`) those of a new unit past MAX_UNITS, of a new sensor past MAX_SENSORS_PER_UNIT, or of a new
 * sensor past MAX_NEW_SENSORS_PER_MINUTE. A refused reading creates nothing here, and since it never reaches
 * `readings.processed`, nothing in the listeners (latest values, live buffers, alarm state) nor in the database.
 *
 * What the database held at start-up is always known, whatever the caps: they bound what new readings may add,
 * they never hide sensors that existed. Each instance counts on its own (a sensor another instance created since is
 * new to this one), so with N instances behind a shared subscription the tables can hold up to N times a cap.
 */
export class SensorCatalog {
  /** unit id → sensor type → sensor id (PENDING until the writer created it). */
  private readonly units = new Map<string, Map<string, number>>();
  private readonly newSensors: TokenBucket;
  private sensorCount = 0;

  constructor(
    private readonly limits: CardinalityLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.newSensors = new TokenBucket(limits.maxNewSensorsPerMinute / 60, limits.maxNewSensorsPerMinute, now());
  }

  /** Known units. */
  get unitCount(): number {
    return this.units.size;
  }

  /** Known sensors, including those admitted whose row is being created. */
  get size(): number {
    return this.sensorCount;
  }

  /**
   * True when a reading of this sensor may go on: the sensor is known, or it is new and within the caps (it is
   * then admitted, and counts against them from now on). One or two map lookups for a known sensor.
   */
  admit(unitId: string, sensorType: string): boolean {
    const sensors = this.units.get(unitId);
    if (sensors?.has(sensorType)) return true;
    if (sensors === undefined && this.units.size >= this.limits.maxUnits) return false;
    if (sensors !== undefined && sensors.size >= this.limits.maxSensorsPerUnit) return false;
    if (!this.newSensors.take(this.now())) return false;
    this.sensorsOf(unitId).set(sensorType, PENDING);
    this.sensorCount++;
    return true;
  }

  /** True when a status of this unit may go on: the unit is known, or it is new and MAX_UNITS is not reached. */
  admitUnit(unitId: string): boolean {
    if (this.units.has(unitId)) return true;
    if (this.units.size >= this.limits.maxUnits) return false;
    this.units.set(unitId, new Map());
    return true;
  }

  /** The sensor's database id; undefined while it is unknown or its row is not created yet. */
  idOf(unitId: string, sensorType: string): number | undefined {
    const id = this.units.get(unitId)?.get(sensorType);
    return id === PENDING ? undefined : id;
  }

  /** Records a unit that exists in the database, whatever the caps. */
  addUnit(unitId: string): void {
    this.sensorsOf(unitId);
  }

  /** Records a sensor's database id (loaded, or just created), whatever the caps. */
  setId(unitId: string, sensorType: string, id: number): void {
    const sensors = this.sensorsOf(unitId);
    if (!sensors.has(sensorType)) this.sensorCount++;
    sensors.set(sensorType, id);
  }

  private sensorsOf(unitId: string): Map<string, number> {
    let sensors = this.units.get(unitId);
    if (sensors === undefined) {
      sensors = new Map();
      this.units.set(unitId, sensors);
    }
    return sensors;
  }
}
