import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../src/platform/clock.js';
import { createCoherentCache } from '../src/platform/store/coherent-cache.js';
import { createMemoryStore } from '../src/platform/store/memory.js';

const log = pino({ level: 'silent' });

/** A loader whose answers the test releases by hand, counting the loads it was asked for. */
function gatedLoader() {
  let value = 'v1';
  const waiting: (() => void)[] = [];
  const state = {
    loads: 0,
    set: (v: string) => {
      value = v;
    },
    release: () => {
      for (const w of waiting.splice(0)) w();
    },
    load: async (_key: string) => {
      state.loads++;
      const read = value;
      await new Promise<void>((r) => waiting.push(r));
      return read;
    },
  };
  return state;
}

describe('coherent cache', () => {
  it('loads a missing key once for callers that miss it together', async () => {
    const loader = gatedLoader();
    const cache = createCoherentCache<string>({
      store: createMemoryStore(),
      channel: 't1',
      clock: systemClock,
      log,
      load: loader.load,
    });
    const all = Promise.all(Array.from({ length: 10 }, () => cache.get('k')));
    await new Promise((r) => setImmediate(r));
    loader.release();
    expect(await all).toEqual(Array(10).fill('v1'));
    expect(loader.loads).toBe(1);
    expect(await cache.get('k')).toBe('v1');
    expect(loader.loads).toBe(1);
  });

  it('does not hand a load begun before a change to a caller that came after it', async () => {
    const loader = gatedLoader();
    const cache = createCoherentCache<string>({
      store: createMemoryStore(),
      channel: 't2',
      clock: systemClock,
      log,
      load: loader.load,
    });
    const before = cache.get('k');
    await new Promise((r) => setImmediate(r));
    loader.set('v2');
    await cache.changed(['k']);
    const after = cache.get('k');
    await new Promise((r) => setImmediate(r));
    loader.release();
    expect(await before).toBe('v1');
    expect(await after).toBe('v2');
    expect(loader.loads).toBe(2);
    // Only the load that began after the change was kept.
    expect(await cache.get('k')).toBe('v2');
  });
});
