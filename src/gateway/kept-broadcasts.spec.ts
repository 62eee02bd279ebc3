import { CHUNK_BYTES, KeptBroadcasts } from './kept-broadcasts.js';

const rooms = (...names: string[]): Set<string> => new Set(names);

describe('KeptBroadcasts', () => {
  it('gives each broadcast back as kept, multi-byte text and all', () => {
    const log = new KeptBroadcasts();
    log.add(1, 1000, rooms('unit:U1'), undefined, '["sensor_data",{"unit_id":"U1"},"a-1"]');
    log.add(2, 1001, rooms('unit:Ü2', 'unit:U3'), rooms('s9'), '["sensor_data",{"unit_id":"Ü2 – °C"},"a-2"]');
    log.add(3, 1002, rooms(), undefined, '["notice","everyone","a-3"]');
    expect(log.size).toBe(3);
    expect(log.at(0)).toEqual({
      seq: 1,
      emittedAt: 1000,
      rooms: ['unit:U1'],
      except: [],
      json: '["sensor_data",{"unit_id":"U1"},"a-1"]',
    });
    expect(log.at(1)).toEqual({
      seq: 2,
      emittedAt: 1001,
      rooms: ['unit:Ü2', 'unit:U3'],
      except: ['s9'],
      json: '["sensor_data",{"unit_id":"Ü2 – °C"},"a-2"]',
    });
    expect(log.at(2).rooms).toEqual([]);
  });

  it('spreads the JSON over chunks and gives a broadcast larger than a chunk one of its own', () => {
    const log = new KeptBroadcasts();
    const filler = (n: number, c: string) => JSON.stringify(['sensor_data', c.repeat(n)]);
    const third = Math.floor(CHUNK_BYTES / 3);
    const kept = [
      filler(third, 'a'),
      filler(third, 'b'),
      filler(third, 'c'),
      filler(CHUNK_BYTES * 2, 'd'),
      filler(10, 'e'),
    ];
    kept.forEach((json, i) => log.add(i + 1, 1000 + i, rooms('unit:U1'), undefined, json));
    kept.forEach((json, i) => expect(log.at(i).json).toBe(json));
  });

  it('finds the broadcast after a sequence number, and none after one it does not hold', () => {
    const log = new KeptBroadcasts();
    for (const seq of [5, 6, 7, 9]) log.add(seq, 1000, rooms('unit:U1'), undefined, `[${seq}]`);
    expect(log.indexAfter(5)).toBe(1);
    expect(log.indexAfter(7)).toBe(3);
    expect(log.indexAfter(9)).toBe(4); // the newest: nothing missed
    expect(log.indexAfter(8)).toBeUndefined();
    expect(log.indexAfter(4)).toBeUndefined(); // already let go
  });

  it('decides whom a broadcast reached as Socket.IO does', () => {
    const log = new KeptBroadcasts();
    log.add(1, 1000, rooms('unit:U1'), undefined, '[1]');
    log.add(2, 1000, rooms('unit:U1', 'unit:U2'), rooms('sid-b'), '[2]');
    log.add(3, 1000, rooms(), undefined, '[3]');
    expect(log.reaches(0, ['sid-a', 'unit:U1'])).toBe(true);
    expect(log.reaches(0, ['sid-a', 'unit:U2'])).toBe(false);
    expect(log.reaches(1, ['sid-a', 'unit:U2'])).toBe(true);
    expect(log.reaches(1, ['sid-b', 'unit:U2'])).toBe(false); // skipped
    expect(log.reaches(2, ['sid-c'])).toBe(true); // to everyone
  });

  it('lets go of what was emitted before a time, oldest first, and keeps the rest readable', () => {
    const log = new KeptBroadcasts();
    const big = JSON.stringify(['x', 'y'.repeat(CHUNK_BYTES)]);
    log.add(1, 1000, rooms('unit:U1'), undefined, big);
    log.add(2, 2000, rooms('unit:U1'), undefined, '[2]');
    log.add(3, 3000, rooms('unit:U2'), undefined, '[3]');
    expect(log.dropBefore(1000)).toBe(0);
    expect(log.dropBefore(2500)).toBe(2);
    expect(log.size).toBe(1);
    expect(log.at(0)).toMatchObject({ seq: 3, emittedAt: 3000, rooms: ['unit:U2'], json: '[3]' });
    expect(log.indexAfter(2)).toBeUndefined();
    log.add(4, 4000, rooms('unit:U2'), undefined, '[4]');
    expect(log.indexAfter(3)).toBe(1);
    expect(log.dropBefore(5000)).toBe(2);
    expect(log.size).toBe(0);
  });
});
