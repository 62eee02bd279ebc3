import type { MigrationInterface } from 'typeorm';
import type { FeatureDefinition } from './feature.definition.js';
import { featureMigrations } from './feature-migrations.js';

/** A migration class named `name` (TypeORM reads the epoch from the class name). */
function migration(name: string): new () => MigrationInterface {
  const named = {
    [name]: class implements MigrationInterface {
      up(): Promise<void> {
        return Promise.resolve();
      }
      down(): Promise<void> {
        return Promise.resolve();
      }
    },
  };
  return named[name];
}

describe('featureMigrations', () => {
  const first = migration('First1764000000000');
  const second = migration('Second1764000001000');
  const third = migration('Third1764000002000');

  it('orders every feature’s migrations by their epoch, not by the order of the features', () => {
    const features: FeatureDefinition[] = [
      { name: 'b', migrations: [third, first] },
      { name: 'none' },
      { name: 'a', migrations: [second] },
    ];
    expect(featureMigrations(features)).toEqual([first, second, third]);
  });

  it('refuses a migration without an epoch, and two that share one', () => {
    expect(() => featureMigrations([{ name: 'x', migrations: [migration('NoEpoch')] }])).toThrow(
      "Migration NoEpoch of feature 'x' has no epoch at the end of its name",
    );
    const twin = migration('Twin1764000000000');
    expect(() =>
      featureMigrations([
        { name: 'x', migrations: [first] },
        { name: 'y', migrations: [twin] },
      ]),
    ).toThrow('Migrations First1764000000000 and Twin1764000000000 share the epoch 1764000000000');
  });

  it('takes a migration listed by two features once', () => {
    expect(
      featureMigrations([
        { name: 'x', migrations: [first] },
        { name: 'y', migrations: [first] },
      ]),
    ).toEqual([first]);
  });
});
