import { Injectable } from '@nestjs/common';
import { DatabasePool } from '../common/database/database.pool.js';
import type { PointKind, PointState } from '../processor/point-kind.js';
import { SensorRegistry } from './sensor.registry.js';
import { SensorSettingsSync } from './sensor-settings.sync.js';

/** What a source knows about one of its sensors before (or without) any reading of it. */
export interface SensorDeclaration {
  unitId: string;
  sensorType: string;
  /** Unit of measure of its values, e.g. `°C` (at most 32 characters). */
  engineeringUnit?: string;
  /** Name shown to operators, e.g. `Supply pressure` (at most 128 characters). */
  displayName?: string;
  /** What its number means (an OPC UA Boolean node is digital); only fills a kind nobody has set. */
  kind?: PointKind;
  /** Its state table (checked by the declaring source with statesProblem); taken together with the kind. */
  states?: readonly PointState[];
}

/**
 * Fills the labels and the point kind a sensor does not have yet; a value set by an engineer (PATCH /sensors/{id})
 * is kept. Kind and states go together: a declared state table never lands on a kind someone else chose.
 */
const FILL_LABELS = `
  UPDATE sensors s
     SET engineering_unit = COALESCE(s.engineering_unit, d.engineering_unit),
         display_name = COALESCE(s.display_name, d.display_name),
         kind = COALESCE(s.kind, d.kind),
         states = CASE WHEN s.kind IS NULL AND d.kind IS NOT NULL THEN d.states::jsonb ELSE s.states END,
         settings_updated_at = clock_timestamp()
    FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::text[])
         AS d(unit_id, sensor_type, engineering_unit, display_name, kind, states)
   WHERE s.unit_id = d.unit_id AND s.sensor_type = d.sensor_type
     AND ((s.engineering_unit IS NULL AND d.engineering_unit IS NOT NULL)
       OR (s.display_name IS NULL AND d.display_name IS NOT NULL)
       OR (s.kind IS NULL AND d.kind IS NOT NULL))`;

/**
 * Sensors a source declares up front (the simulator at start-up, as a gateway's birth certificate would): they are
 * registered like a first reading registers them (same registry, same bounds), and get the engineering unit and
 * display name their source gives them where none is set. One statement for the sensors and one for the labels,
 * however many are declared.
 */
@Injectable()
export class SensorDeclarations {
  constructor(
    private readonly registry: SensorRegistry,
    private readonly db: DatabasePool,
    private readonly sync: SensorSettingsSync,
  ) {}

  /**
   * Registers the sensors and fills their missing labels and kinds; answers how many sensors got one. The
   * processor's settings are refreshed before this answers, so the next reading already carries its state name.
   */
  async declare(declarations: readonly SensorDeclaration[]): Promise<number> {
    if (declarations.length === 0) return 0;
    await this.registry.ensure(declarations);
    const filled = await this.db.execute(FILL_LABELS, [
      declarations.map((d) => d.unitId),
      declarations.map((d) => d.sensorType),
      declarations.map((d) => d.engineeringUnit ?? null),
      declarations.map((d) => d.displayName ?? null),
      declarations.map((d) => d.kind ?? null),
      declarations.map((d) => (d.states === undefined ? null : JSON.stringify(d.states))),
    ]);
    if (filled > 0) await this.sync.refresh();
    return filled;
  }
}
