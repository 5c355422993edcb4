import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { claim, inFlight, ownerPart, ownerTag, release, STALE_MS, touchClaimed, writerIsGone } from '../src/node/ownership.js';
import { deadPid } from './helpers/model-folders.js';

const work = mkdtempSync(join(tmpdir(), 'fmnist-ownership-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const now = Date.now();
const own = ownerTag() ?? undefined;
const other = own === 'ffffffff' ? '00000000' : 'ffffffff';

describe('ownerTag', () => {
  it('is 8 hex digits on Linux, the same on every call, and part of every name this process writes', () => {
    if (process.platform !== 'linux') return;
    expect(ownerTag()).toMatch(/^[0-9a-f]{8}$/);
    expect(ownerTag()).toBe(ownerTag());
    expect(ownerPart()).toBe(`${process.pid}.${ownerTag()}.`);
  });
});

describe('writerIsGone', () => {
  it('tells a dead or finished writer of this PID namespace from a live one by its pid', () => {
    expect(writerIsGone({ pid: deadPid(), tag: own }, 'x', now)).toBe(own !== undefined);
    expect(writerIsGone({ pid: process.ppid, tag: own }, 'x', now)).toBe(false);
    expect(writerIsGone({ pid: process.pid, tag: own }, 'mine', now)).toBe(own !== undefined);
    inFlight.add('mine');
    expect(writerIsGone({ pid: process.pid, tag: own }, 'mine', now)).toBe(false);
    // A file this process is writing is never gone, however old.
    expect(writerIsGone({ pid: process.pid, tag: own }, 'mine', now - 10 * STALE_MS)).toBe(false);
    inFlight.delete('mine');
  });

  it('judges a writer it cannot ask (another namespace or host, an untagged name, a pid reused here) by the age of its file', () => {
    for (const owner of [
      { pid: deadPid(), tag: other },
      { pid: process.pid, tag: other },
      { pid: deadPid(), tag: undefined },
      { pid: process.ppid, tag: own },
    ]) {
      expect(writerIsGone(owner, 'x', now - 1000, now), JSON.stringify(owner)).toBe(false);
      expect(writerIsGone(owner, 'x', now - STALE_MS + 1000, now), JSON.stringify(owner)).toBe(false);
      expect(writerIsGone(owner, 'x', now - STALE_MS - 1000, now), JSON.stringify(owner)).toBe(true);
    }
  });
});

describe('claim', () => {
  it('keeps a claimed file fresh (the heartbeat) until it is released', async () => {
    const path = join(work, 'claimed');
    writeFileSync(path, 'x');
    // Whole seconds, which every file system stores exactly.
    const longAgo = Math.floor((now - 2 * STALE_MS) / 1000);
    utimesSync(path, longAgo, longAgo);
    claim(path);
    await touchClaimed();
    expect(Date.now() - statSync(path).mtimeMs).toBeLessThan(STALE_MS);
    expect(inFlight.has('claimed')).toBe(true);
    release(path);
    expect(inFlight.has('claimed')).toBe(false);
    utimesSync(path, longAgo, longAgo);
    await touchClaimed();
    expect(statSync(path).mtimeMs).toBe(longAgo * 1000);
  });
});
