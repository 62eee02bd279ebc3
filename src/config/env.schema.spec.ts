import { MQTT_ENV } from '../mqtt/mqtt.config.js';
import { OPCUA_ENV } from '../opcua/opcua.config.js';
import type { EnvVarSpec } from './env-var.js';
import { ENV_SCHEMA } from './env.schema.js';

/** Every feature slice spread into the schema, with the prefix its variables carry. */
const SLICES: [string, Readonly<Record<string, EnvVarSpec>>][] = [
  ['MQTT_', MQTT_ENV],
  ['OPCUA_', OPCUA_ENV],
];

describe('ENV_SCHEMA (assembled from the features’ slices)', () => {
  it.each(SLICES)('holds every %s variable of its slice as the slice defines it, in the slice’s order', (_, slice) => {
    const schema: Readonly<Record<string, EnvVarSpec>> = ENV_SCHEMA;
    for (const [name, spec] of Object.entries(slice)) {
      // The very same object: neither a line of the schema nor another slice spread later replaced it.
      expect([name, schema[name]]).toEqual([name, spec]);
      expect(schema[name]).toBe(spec);
    }
    const names = Object.keys(schema);
    const positions = Object.keys(slice).map((name) => names.indexOf(name));
    expect(positions).toEqual(positions.map((_p, i) => positions[0] + i));
  });

  it.each(SLICES)('names every variable of the %s slice with its feature’s prefix', (prefix, slice) => {
    expect(Object.keys(slice).filter((name) => !name.startsWith(prefix))).toEqual([]);
  });
});
