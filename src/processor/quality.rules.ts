import type { Quality } from '../common/bus/event-map.js';

/**
 * Maps a sent quality to its family. Names are case-insensitive. Numbers are OPC UA status codes: the top two
 * bits give the severity (00 Good, 01 Uncertain, 10 and 11 Bad). Absent means GOOD.
 * Returns undefined for anything else.
 */
export function qualityOf(raw: string | number | undefined): Quality | undefined {
  if (raw === undefined) return 'GOOD';
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw) || raw < 0 || raw > 0xffffffff) return undefined;
    const severity = raw >>> 30;
    return severity === 0 ? 'GOOD' : severity === 1 ? 'UNCERTAIN' : 'BAD';
  }
  switch (raw.trim().toUpperCase()) {
    case 'GOOD':
      return 'GOOD';
    case 'UNCERTAIN':
      return 'UNCERTAIN';
    case 'BAD':
      return 'BAD';
    default:
      return undefined;
  }
}
