import { ENV_SCHEMA } from '../config/env.schema.js';
import { AppConfig } from '../config/app-config.js';
import { SensorCatalog } from './sensor-catalog.js';

describe('SensorCatalog', () => {
  it('defaults to caps that suit a large plant: 10,000 units, 256 sensors each, 1,000 new sensors a minute', () => {
    const config = new AppConfig({});
    expect([config.maxUnits, config.maxSensorsPerUnit, config.maxNewSensorsPerMinute]).toEqual([10_000, 256, 1000]);
    expect(ENV_SCHEMA.MAX_UNITS.default).toBe('10000');
  });

  it('with the default caps, admits 256 sensors on a unit and refuses the 257th', () => {
    const t = 0;
    const catalog = new SensorCatalog(
      { maxUnits: 10_000, maxSensorsPerUnit: 256, maxNewSensorsPerMinute: 1000 },
      () => t,
    );
    for (let i = 0; i < 256; i++) expect(catalog.admit('U1', `s${i}`)).toBe(true);
    expect(catalog.admit('U1', 's256')).toBe(false);
    expect(catalog.admit('U1', 's0')).toBe(true); // known sensors always pass
    expect(catalog.size).toBe(256);
  });

  it('with the default caps, admits 10,000 units and refuses the next one, its statuses too', () => {
    let t = 0;
    const catalog = new SensorCatalog(
      { maxUnits: 10_000, maxSensorsPerUnit: 256, maxNewSensorsPerMinute: 1000 },
      () => t,
    );
    for (let i = 0; i < 10_000; i++) {
      if (i % 1000 === 0) t += 60_000; // a minute per thousand: the rate cap is not what stops them here
      expect(catalog.admit(`U${i}`, 'temp')).toBe(true);
    }
    t += 60_000;
    expect(catalog.admit('U10000', 'temp')).toBe(false);
    expect(catalog.admitUnit('U10000')).toBe(false);
    expect(catalog.admitUnit('U42')).toBe(true);
    expect(catalog.admit('U42', 'pressure')).toBe(true); // a new sensor on a known unit still fits
    expect([catalog.unitCount, catalog.size]).toEqual([10_000, 10_001]);
  });

  it('lets 1,000 new sensors through at once by default, then about one every 60 ms', () => {
    let t = 1_000_000;
    const catalog = new SensorCatalog(
      { maxUnits: 10_000, maxSensorsPerUnit: 256, maxNewSensorsPerMinute: 1000 },
      () => t,
    );
    let admitted = 0;
    for (let i = 0; i < 2000; i++) if (catalog.admit(`U${i % 100}`, `s${i}`)) admitted++;
    expect(admitted).toBe(1000);
    expect(catalog.admit('U1', 'late')).toBe(false);
    t += 60;
    expect(catalog.admit('U1', 'late')).toBe(true);
    expect(catalog.admit('U1', 'later')).toBe(false);
    t += 60_000;
    for (let i = 0; i < 1000; i++) expect(catalog.admit('U2', `m${i % 200}x${i}`)).toBe(i < 256 - 10);
  });

  it('creates nothing for a refused reading', () => {
    const catalog = new SensorCatalog({ maxUnits: 1, maxSensorsPerUnit: 1, maxNewSensorsPerMinute: 10 });
    expect(catalog.admit('U1', 'a')).toBe(true);
    expect(catalog.admit('U2', 'a')).toBe(false);
    expect(catalog.admit('U1', 'b')).toBe(false);
    expect([catalog.unitCount, catalog.size]).toEqual([1, 1]);
    expect(catalog.idOf('U1', 'a')).toBeUndefined(); // admitted, row not created yet
    catalog.setId('U1', 'a', 7);
    expect(catalog.idOf('U1', 'a')).toBe(7);
    expect(catalog.size).toBe(1);
  });

  it('always knows what the database holds, even past the caps, and still refuses more', () => {
    const catalog = new SensorCatalog({ maxUnits: 1, maxSensorsPerUnit: 1, maxNewSensorsPerMinute: 10 });
    catalog.addUnit('U1');
    catalog.addUnit('U2');
    catalog.setId('U1', 'a', 1);
    catalog.setId('U1', 'b', 2);
    expect(catalog.admit('U1', 'b')).toBe(true);
    expect(catalog.admit('U2', 'a')).toBe(true); // U2 is known and has room for one
    expect(catalog.admit('U2', 'b')).toBe(false);
    expect(catalog.admit('U3', 'a')).toBe(false);
    expect(catalog.admitUnit('U2')).toBe(true);
  });
});
