import type { MetricSample } from './feature.registry.js';

/** A level read at scrape time (clients connected, queue length). */
export function gaugeSample(name: string, help: string, value: number, labels?: Record<string, string>): MetricSample {
  return labels === undefined ? { name, help, type: 'gauge', value } : { name, help, type: 'gauge', value, labels };
}

/** A module's own running total, read at scrape time (name it `..._total`). */
export function counterSample(
  name: string,
  help: string,
  value: number,
  labels?: Record<string, string>,
): MetricSample {
  return labels === undefined ? { name, help, type: 'counter', value } : { name, help, type: 'counter', value, labels };
}
