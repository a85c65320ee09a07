import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/platform/store/memory.js';
import { createRedisStore } from '../src/platform/store/redis.js';
import type { EphemeralStore } from '../src/platform/store/store.js';

const REDIS_URL = process.env.REDIS_URL;
const silent = pino({ level: 'silent' });

/** Waits until `condition` holds, polling; fails after `ms`. */
async function until(condition: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** A Redis store on its own key prefix, once it answers (commands fail fast until connected). */
async function redisStore(
  prefix = `gh:test:store:${randomBytes(4).toString('hex')}:`,
): Promise<EphemeralStore> {
  const store = createRedisStore(REDIS_URL as string, prefix, silent);
  await until(() =>
    store.ping().then(
      () => true,
      () => false,
    ),
  );
  return store;
}

interface Subject {
  store: EphemeralStore;
  /** Lets `ms` pass as far as expiry is concerned. */
  elapse(ms: number): Promise<void>;
}

const subjects: { name: string; skip: boolean; make(): Promise<Subject> }[] = [
  {
    name: 'memory',
    skip: false,
    async make() {
      let now = 1_700_000_000_000;
      return {
        store: createMemoryStore(() => now),
        elapse: async (ms) => {
          now += ms;
        },
      };
    },
  },
  {
    name: 'redis',
    skip: !REDIS_URL,
    async make() {
      // Real time: Redis expires keys by its own clock. A margin keeps this free of timing races.
      return { store: await redisStore(), elapse: (ms) => sleep(ms + 100) };
    },
  },
];

describe.each(subjects)('EphemeralStore contract: $name', ({ skip, make }) => {
  let subject: Subject;
  let store: EphemeralStore;
  const key = () => `k:${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    if (skip) return;
    subject = await make();
    store = subject.store;
  });
  afterAll(async () => {
    await store?.close();
  });

  describe.skipIf(skip)('counters', () => {
    it('increment starts at 1 with the given TTL and counts up', async () => {
      const k = key();
      const first = await store.increment(k, 60_000);
      expect(first.value).toBe(1);
      expect(first.ttlMs).toBeGreaterThan(0);
      expect(first.ttlMs).toBeLessThanOrEqual(60_000);
      expect((await store.increment(k, 60_000)).value).toBe(2);
      expect((await store.increment(k, 60_000)).value).toBe(3);
    });

    it('only the creating increment sets the TTL (a window does not slide)', async () => {
      const k = key();
      await store.increment(k, 60_000);
      const second = await store.increment(k, 1_000);
      expect(second.value).toBe(2);
      // Still the first window, not the shorter TTL given later.
      expect(second.ttlMs).toBeGreaterThan(1_000);
      expect(second.ttlMs).toBeLessThanOrEqual(60_000);
    });

    it('readCounter returns value and time left, and null when absent', async () => {
      const k = key();
      expect(await store.readCounter(k)).toBeNull();
      await store.increment(k, 60_000);
      await store.increment(k, 60_000);
      const read = await store.readCounter(k);
      expect(read?.value).toBe(2);
      expect(read?.ttlMs).toBeGreaterThan(0);
      expect(read?.ttlMs).toBeLessThanOrEqual(60_000);
      // Reading does not count.
      expect((await store.readCounter(k))?.value).toBe(2);
    });

    it('a counter expires and then starts again at 1', async () => {
      const k = key();
      const other = key();
      await store.increment(k, 150);
      await store.increment(k, 150);
      await store.increment(other, 60_000);
      await subject.elapse(200);
      expect(await store.readCounter(k)).toBeNull();
      expect((await store.increment(k, 60_000)).value).toBe(1);
      // A counter with time left is untouched.
      expect((await store.readCounter(other))?.value).toBe(1);
    });
  });

  describe.skipIf(skip)('keys', () => {
    it('get/set/delete', async () => {
      const k = key();
      expect(await store.get(k)).toBeNull();
      await store.set(k, 'one', 60_000);
      expect(await store.get(k)).toBe('one');
      await store.set(k, 'two', 60_000);
      expect(await store.get(k)).toBe('two');
      await store.delete(k);
      expect(await store.get(k)).toBeNull();
      // Deleting what is absent is fine.
      await expect(store.delete(k)).resolves.toBeUndefined();
    });

    it('keys expire', async () => {
      const short = key();
      const long = key();
      await store.set(short, 'v', 150);
      await store.set(long, 'v', 60_000);
      expect(await store.get(short)).toBe('v');
      await subject.elapse(200);
      expect(await store.get(short)).toBeNull();
      expect(await store.get(long)).toBe('v');
    });

    it('getMany answers each key in order, expired and absent ones null', async () => {
      const [a, b, gone, absent] = [key(), key(), key(), key()];
      await store.set(a, 'a', 60_000);
      await store.set(b, 'b', 60_000);
      await store.set(gone, 'g', 150);
      await subject.elapse(200);
      expect(await store.getMany([b, absent, a, gone])).toEqual(['b', null, 'a', null]);
    });

    it('setIfAbsent is true once, then false: a nonce is usable once', async () => {
      const nonce = key();
      expect(await store.setIfAbsent(nonce, 'first', 60_000)).toBe(true);
      expect(await store.setIfAbsent(nonce, 'replay', 60_000)).toBe(false);
      expect(await store.get(nonce)).toBe('first');
    });

    it('setIfAbsent races: exactly one of many concurrent calls wins', async () => {
      const nonce = key();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.setIfAbsent(nonce, String(i), 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('setIfAbsent succeeds again once the nonce expired', async () => {
      const nonce = key();
      expect(await store.setIfAbsent(nonce, 'a', 150)).toBe(true);
      await subject.elapse(200);
      expect(await store.setIfAbsent(nonce, 'b', 60_000)).toBe(true);
      expect(await store.get(nonce)).toBe('b');
    });
  });

  describe.skipIf(skip)('pub/sub', () => {
    it('delivers to subscribers of that channel only', async () => {
      const a = key();
      const b = key();
      const gotA: string[] = [];
      const gotB: string[] = [];
      const offA = await store.subscribe(a, (m) => gotA.push(m));
      const offB = await store.subscribe(b, (m) => gotB.push(m));
      await store.publish(a, 'for a');
      await store.publish(b, 'for b');
      // Messages arrive in publish order, so once b's arrived a's has too.
      await until(() => gotB.length === 1);
      expect(gotA).toEqual(['for a']);
      expect(gotB).toEqual(['for b']);
      await offA();
      await offB();
    });

    it('delivers to every subscriber of a channel', async () => {
      const ch = key();
      const one: string[] = [];
      const two: string[] = [];
      const off1 = await store.subscribe(ch, (m) => one.push(m));
      const off2 = await store.subscribe(ch, (m) => two.push(m));
      await store.publish(ch, 'hello');
      await until(() => one.length === 1 && two.length === 1);
      expect(one).toEqual(['hello']);
      expect(two).toEqual(['hello']);
      await off1();
      await off2();
    });

    it('unsubscribe stops delivery, for one handler and for the last one', async () => {
      const ch = key();
      const witness = key();
      const kept: string[] = [];
      const dropped: string[] = [];
      const seen: string[] = [];
      const offDropped = await store.subscribe(ch, (m) => dropped.push(m));
      const offKept = await store.subscribe(ch, (m) => kept.push(m));
      const offWitness = await store.subscribe(witness, (m) => seen.push(m));

      await store.publish(ch, 'm1');
      await until(() => kept.length === 1 && dropped.length === 1);

      await offDropped();
      await store.publish(ch, 'm2');
      await until(() => kept.length === 2);
      expect(dropped).toEqual(['m1']);

      // The last handler of a channel leaving ends the subscription itself.
      await offKept();
      await store.publish(ch, 'm3');
      await store.publish(witness, 'after m3');
      await until(() => seen.length === 1);
      expect(kept).toEqual(['m1', 'm2']);
      expect(dropped).toEqual(['m1']);

      // Subscribing again works after a full unsubscribe.
      const again: string[] = [];
      const offAgain = await store.subscribe(ch, (m) => again.push(m));
      await store.publish(ch, 'm4');
      await until(() => again.length === 1);
      expect(again).toEqual(['m4']);
      expect(kept).toEqual(['m1', 'm2']);
      await offAgain();
      await offWitness();
    });
  });

  describe.skipIf(skip)('health', () => {
    it('ping answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
});

describe('memory store', () => {
  it('separate stores share nothing', async () => {
    const one = createMemoryStore();
    const two = createMemoryStore();
    await one.set('k', 'one', 60_000);
    expect(await two.get('k')).toBeNull();
    await one.close();
    await two.close();
  });

  it('expires exactly at the TTL by its clock', async () => {
    let now = 0;
    const store = createMemoryStore(() => now);
    await store.increment('c', 1_000);
    now = 999;
    expect(await store.readCounter('c')).toEqual({ value: 1, ttlMs: 1 });
    now = 1_000;
    expect(await store.readCounter('c')).toBeNull();
    await store.close();
  });
});

describe.skipIf(!REDIS_URL)('redis store', () => {
  let one: EphemeralStore;
  let two: EphemeralStore;

  beforeAll(async () => {
    const base = `gh:test:store:${randomBytes(4).toString('hex')}`;
    one = await redisStore(`${base}:one:`);
    two = await redisStore(`${base}:two:`);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  it('keys of two prefixes do not collide', async () => {
    await one.set('shared', 'one', 60_000);
    await two.set('shared', 'two', 60_000);
    expect(await one.get('shared')).toBe('one');
    expect(await two.get('shared')).toBe('two');

    expect((await one.increment('count', 60_000)).value).toBe(1);
    expect((await one.increment('count', 60_000)).value).toBe(2);
    expect((await two.increment('count', 60_000)).value).toBe(1);

    expect(await one.setIfAbsent('nonce', 'x', 60_000)).toBe(true);
    expect(await two.setIfAbsent('nonce', 'x', 60_000)).toBe(true);

    await one.delete('shared');
    expect(await one.get('shared')).toBeNull();
    expect(await two.get('shared')).toBe('two');
  });

  it('channels of two prefixes do not collide', async () => {
    const gotOne: string[] = [];
    const gotTwo: string[] = [];
    const offOne = await one.subscribe('events', (m) => gotOne.push(m));
    const offTwo = await two.subscribe('events', (m) => gotTwo.push(m));
    await one.publish('events', 'from one');
    await two.publish('events', 'from two');
    await until(() => gotOne.length >= 1 && gotTwo.length >= 1);
    // Both subscribers share one Redis; give a stray cross-delivery the same chance to arrive.
    await one.publish('events', 'again from one');
    await until(() => gotOne.length >= 2);
    await two.publish('events', 'again from two');
    await until(() => gotTwo.length >= 2);
    expect(gotOne).toEqual(['from one', 'again from one']);
    expect(gotTwo).toEqual(['from two', 'again from two']);
    await offOne();
    await offTwo();
  });

  it('fails fast instead of queueing while Redis is unreachable', async () => {
    const dead = createRedisStore('redis://127.0.0.1:1', 'gh:test:dead:', silent);
    await expect(dead.get('k')).rejects.toThrow();
    await expect(dead.ping()).rejects.toThrow();
    await dead.close();
  });
});
