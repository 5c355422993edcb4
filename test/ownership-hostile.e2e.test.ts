// Leftovers and live writers across PID namespaces, as containers sharing a volume see them: each
// writer and loader runs in its own namespace (`unshare --pid --fork --mount-proc`, root only), where
// the others' pids name no process or another one. Loaders and savers must never remove what a live
// writer is still writing: saved models stay whole, loads succeed, and concurrent downloads into one
// cache all finish. Slow (child processes starting tfjs): part of the slow suite.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanModelFolder } from '../src/node/model-files.js';
import { ownerTag, STALE_MS } from '../src/node/ownership.js';
import { makeFixture } from './helpers/idx.js';

const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'fmnist-ownership-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Whether this process may create PID namespaces (root on Linux with util-linux's unshare). */
const canUnshare = process.platform === 'linux' && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

/**
 * Runs `node --import tsx <script> ...args` in a new PID namespace whose next pid is `firstPid`
 * (set through ns_last_pid), so that the namespaces of one test use pid ranges that do not overlap;
 * resolves with the JSON line it prints.
 */
function inPidNamespace<T>(firstPid: number, script: string, args: string[]): Promise<T> {
  const command = `echo ${firstPid - 1} > /proc/sys/kernel/ns_last_pid && "$@"; exit $?`;
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', command, 'sh', process.execPath, '--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve(JSON.parse(output.trim().split('\n').pop()!) as T);
      } catch {
        reject(new Error(`${script} exited with ${code} and printed: ${output}`));
      }
    });
  });
}

interface WriterOutcome {
  pid: number;
  tag: string;
  saves: number;
  broken: number;
  failures: string[];
}

interface LoaderOutcome {
  pid: number;
  tag: string;
  loads: number;
  failures: string[];
}

describe.skipIf(!canUnshare)('writers and loaders in different PID namespaces', () => {
  it('two savers and a loader, each in its own namespace: every save stays whole and every load succeeds', async () => {
    const dir = join(work, 'model');
    const stop = join(work, 'stop');
    const loop = join(here, 'helpers', 'ns-model-loop.ts');
    const loader = inPidNamespace<LoaderOutcome>(9000, loop, ['load', dir, stop]);
    const writers = await Promise.all([
      inPidNamespace<WriterOutcome>(3000, loop, ['write', dir, '1', '40']),
      inPidNamespace<WriterOutcome>(6000, loop, ['write', dir, '3', '40']),
    ]);
    writeFileSync(stop, '');
    const loaded = await loader;
    // Each process is alone in its namespace at its own pids: the others' pids name no process there.
    expect(writers.map((w) => w.pid)).toEqual([3000, 6000]);
    expect(loaded.pid).toBe(9000);
    // Each namespace has its own owner tag, so that none trusts the others' pids.
    expect(new Set([ownerTag(), loaded.tag, ...writers.map((w) => w.tag)]).size).toBe(4);
    for (const writer of writers) {
      expect(writer.failures).toEqual([]);
      expect(writer.saves).toBe(40);
      expect(writer.broken).toBe(0);
    }
    expect(loaded.failures).toEqual([]);
    expect(loaded.loads).toBeGreaterThan(5);
    // The folder holds the last model and at most the other writer's last weights, which no process
    // here could tell from a live writer's; they go once they are old.
    const listed = (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ paths: string[] }> }).weightsManifest[0]!.paths;
    const others = readdirSync(dir).filter((name) => name !== 'model.json' && !listed.includes(name));
    expect(others.length).toBeLessThanOrEqual(1);
    for (const name of others) expect(name).toMatch(/^weights\.(3000|6000)\.[0-9a-f]{8}\.[0-9a-f]{12}\.bin$/);
    await cleanModelFolder(dir);
    expect(readdirSync(dir).length).toBe(1 + listed.length + others.length);
    const longAgo = (Date.now() - STALE_MS - 60_000) / 1000;
    for (const name of others) utimesSync(join(dir, name), longAgo, longAgo);
    await cleanModelFolder(dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', ...listed].sort());
  }, 240_000);
});

describe.skipIf(!canUnshare)('concurrent downloads into one cache from different PID namespaces', () => {
  it('a download starting while another is in progress leaves its .part file alone; both loads succeed', async () => {
    const fixture = makeFixture();
    const files = Object.fromEntries(Object.entries(fixture.files).map(([name, bytes]) => [`${name}.gz`, gzipSync(bytes)]));
    const first = Object.keys(files)[0]!;
    // The first download of the first file gets half its body, then waits until a second request for
    // that file has arrived: by then the second loader has cleaned the cache of what it took for
    // leftovers, with the first loader's .part file in it.
    let held: ServerResponse | undefined;
    let requests = 0;
    const server = createServer((request, response) => {
      const name = (request.url ?? '').split('/').pop()!;
      const body = files[name];
      if (!body) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-length': body.length });
      if (name !== first) return void response.end(body);
      requests++;
      if (requests === 1) {
        response.write(body.subarray(0, body.length >> 1));
        held = response;
        return;
      }
      held?.end(body.subarray(body.length >> 1));
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const cacheDir = join(work, 'cache');
    const options = JSON.stringify({ cacheDir, mirrors: [base], sources: ['cache', 'download'], checksums: fixture.checksums });
    const script = join(here, 'fixtures', 'datasets-load.ts');
    try {
      const firstLoad = inPidNamespace<{ ok: boolean; message?: string }>(3000, script, [options]);
      // The second loader starts once the first has its .part file.
      const hasPart = () => {
        try {
          return readdirSync(cacheDir).some((name) => name.endsWith('.part'));
        } catch {
          return false;
        }
      };
      while (!hasPart()) await new Promise((resolve) => setTimeout(resolve, 20));
      const secondLoad = inPidNamespace<{ ok: boolean; message?: string }>(6000, script, [options]);
      const outcomes = await Promise.all([firstLoad, secondLoad]);
      expect(outcomes).toEqual([
        { ok: true, source: { kind: 'download', location: cacheDir } },
        { ok: true, source: { kind: 'download', location: cacheDir } },
      ]);
      expect(readdirSync(cacheDir).sort()).toEqual(Object.keys(files).sort());
    } finally {
      server.close();
    }
  }, 120_000);
});
