import type { HealthIndicator } from './health-indicator.js';
import { FeatureRegistry } from './feature.registry.js';

const indicator = (name: string): HealthIndicator => ({ name, healthy: () => true, summary: () => ({ name }) });

describe('FeatureRegistry: health indicators', () => {
  it('lists indicators in registration order until each is removed', () => {
    const features = new FeatureRegistry();
    const removeA = features.registerHealth(indicator('a'));
    features.registerHealth(indicator('b'));
    expect(features.healthIndicators().map((i) => i.name)).toEqual(['a', 'b']);
    removeA();
    expect(features.healthIndicators().map((i) => i.name)).toEqual(['b']);
  });

  it('refuses a second indicator of the same name: two sections cannot share one key', () => {
    const features = new FeatureRegistry();
    features.registerHealth(indicator('opcua'));
    expect(() => features.registerHealth(indicator('opcua'))).toThrow(
      "A health indicator named 'opcua' is registered already",
    );
  });
});
