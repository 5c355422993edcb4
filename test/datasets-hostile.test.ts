// The loader against hostile input: fuzzed IDX and gzip files, files it cannot read or that are too
// large, a corrupt cache and leftovers of killed downloads, and misbehaving mirrors on a loopback
// server (dripping, stalling, oversized, endless), aborts and a throwing onProgress. Timeouts are
// small so that the file runs in seconds. Gzip bombs: datasets-bombs.e2e.test.ts.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStream, maxGzipLength, streamGunzip, type Gunzip } from '../src/datasets/decode.js';
import { loadFashionMnist as loadNeutral } from '../src/datasets/fashion-mnist.js';
import { FILE_SPECS, type FileSpec } from '../src/datasets/files.js';
import { idxFileLength } from '../src/datasets/idx.js';
import { nodeGunzip } from '../src/datasets/node-files.js';
import { ownerPart } from '../src/node/ownership.js';
import { DatasetUnavailableError, DataVerificationError, DownloadError, InvalidArgumentError, loadFashionMnist } from '../src/node.js';
import { idxHeader, idxLabels, makeFixture, writeFixture } from './helpers/idx.js';
import { FASHION_MNIST, missing } from './helpers/requirements.js';
import { random } from './helpers/random.js';
import { tempDir } from './helpers/temp-dir.js';

const fixture = makeFixture();
const { checksums } = fixture;
const DEBIAN = '/usr/share/datasets/fashion-mnist';
const spec = (name: string): FileSpec => FILE_SPECS.find((s) => s.name === name)!;
const run = promisify(execFile);

describe('fuzzed IDX and gzip files', () => {
  const originals = FILE_SPECS.map((s) => ({ spec: s, plain: fixture.files[s.name]! }));

  function mutate(bytes: Uint8Array, r: (n: number) => number): Uint8Array {
    const out = Uint8Array.from(bytes);
    const at = r(Math.max(1, out.length));
    switch (r(8)) {
      case 0: // flip a few bits
        for (let i = r(3) + 1; i > 0; i--) out[r(out.length)]! ^= 1 << r(8);
        return out;
      case 1: // one byte anywhere in the first 32 (the headers)
        out[r(Math.min(32, out.length))] = r(256);
        return out;
      case 2: // truncate
        return out.subarray(0, at);
      case 3: // append junk
        return Buffer.concat([out, Uint8Array.from({ length: r(64) + 1 }, () => r(256))]);
      case 4: // delete a range
        return Buffer.concat([out.subarray(0, at), out.subarray(at + r(64) + 1)]);
      case 5: // insert bytes
        return Buffer.concat([out.subarray(0, at), Uint8Array.from({ length: r(16) + 1 }, () => r(256)), out.subarray(at)]);
      case 6: // the file twice
        return Buffer.concat([out, out]);
      default: // a header size field set to a random, often huge, value
        new DataView(out.buffer).setUint32(4 + 4 * r(out[3] === 3 ? 3 : 1), r(2) ? r(2 ** 32) : r(2000));
        return out;
    }
  }

  /** What a correct loader must conclude: zlib's one-shot gunzip, then the IDX rules by hand. */
  function reference(s: FileSpec, bytes: Uint8Array): Uint8Array | undefined {
    let raw = bytes;
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        raw = gunzipSync(bytes);
      } catch {
        return undefined;
      }
    }
    const header = s.kind === 'images' ? 16 : 8;
    if (raw.length < header) return undefined;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const count = view.getUint32(4);
    if (view.getUint32(0) !== (s.kind === 'images' ? 2051 : 2049) || count > 1_000_000) return undefined;
    if (s.kind === 'images' && (view.getUint32(8) !== 28 || view.getUint32(12) !== 28)) return undefined;
    if (raw.length !== idxFileLength(s.kind, count)) return undefined;
    const data = raw.subarray(header);
    return s.kind === 'labels' && data.some((l) => l > 9) ? undefined : data;
  }

  /** The bytes in random pieces (often single bytes), as a network would deliver them. */
  async function* pieces(bytes: Uint8Array, r: (n: number) => number): AsyncGenerator<Uint8Array> {
    for (let offset = 0; offset < bytes.length; ) {
      const size = r(4) === 0 ? 1 : r(bytes.length) + 1;
      yield bytes.subarray(offset, offset + size);
      offset += size;
    }
  }

  async function fuzz(gunzip: Gunzip, seed: number, iterations: number, strict: boolean): Promise<Record<string, number>> {
    const r = random(seed);
    const tally: Record<string, number> = { accepted: 0, refused: 0 };
    for (let i = 0; i < iterations; i++) {
      const { spec: s, plain } = originals[r(originals.length)]!;
      const mode = r(3); // 0: plain mutated, 1: plain mutated then gzipped, 2: gzip mutated
      const bytes = mode === 0 ? mutate(plain, r) : mode === 1 ? gzipSync(mutate(plain, r)) : mutate(gzipSync(plain), r);
      const verify = r(2) === 0;
      const expected = reference(s, bytes);
      const outcome = await decodeStream(s, pieces(bytes, r), 'fuzz', verify ? checksums : null, gunzip).catch((e: unknown) => e);
      if (outcome instanceof Error) {
        // Never another error type, and always naming the file.
        expect(outcome, `iteration ${i}: ${outcome.message}`).toBeInstanceOf(DataVerificationError);
        expect((outcome as DataVerificationError).file).toBe('fuzz');
        // zlib is the reference for what a valid gzip is; DecompressionStream may be stricter.
        if (strict && !verify) expect(expected, `iteration ${i} refused a valid file: ${outcome.message}`).toBeUndefined();
        tally.refused!++;
      } else {
        const { data, count } = outcome as { data: Uint8Array; count: number };
        // Never a wrong acceptance: exactly what the file holds, and with digests exactly the original.
        expect(expected, `iteration ${i} accepted an invalid file`).toBeDefined();
        expect(Buffer.compare(data, expected!)).toBe(0);
        expect(count).toBe(s.kind === 'images' ? data.length / 784 : data.length);
        if (verify) expect(Buffer.compare(data, plain.subarray(s.kind === 'images' ? 16 : 8))).toBe(0);
        tally.accepted!++;
      }
    }
    return tally;
  }

  it('3,000 seeded mutations through node:zlib: a correct decode or a DataVerificationError, agreeing with zlib', async () => {
    const tally = await fuzz(nodeGunzip, 13, 3000, true);
    // Both outcomes occur (mutations that keep a file valid: gzip header fields, pixel bytes).
    expect(tally.accepted).toBeGreaterThan(100);
    expect(tally.refused).toBeGreaterThan(1500);
  });

  it('1,000 seeded mutations through DecompressionStream (the browser path)', async () => {
    const tally = await fuzz(streamGunzip, 29, 1000, false);
    expect(tally.accepted).toBeGreaterThan(30);
    expect(tally.refused).toBeGreaterThan(500);
  });

  it('100 seeded mutations of a file in options.dir through the public loader', async () => {
    const dir = writeFixture(fixture.files, { gzip: true });
    const r = random(7);
    const name = 'train-labels-idx1-ubyte';
    let refused = 0;
    for (let i = 0; i < 100; i++) {
      const bytes = mutate(gzipSync(fixture.files[name]!), r);
      writeFileSync(join(dir, `${name}.gz`), bytes);
      const outcome = await loadFashionMnist({ dir, checksums }).catch((e: unknown) => e);
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(DataVerificationError);
        refused++;
      } else {
        expect(reference(spec(name), bytes)).toBeDefined();
        expect(Array.from((outcome as { train: { labels: Uint8Array } }).train.labels)).toEqual([9, 0, 3, 9, 1]);
      }
    }
    expect(refused).toBeGreaterThan(50);
    rmSync(dir, { recursive: true });
  });
});

describe('local files that cannot be read or are too large', () => {
  it('refuses a file larger than the most it can be before reading it, naming it', async () => {
    const dir = writeFixture(fixture.files);
    // The first file of the four: when several are bad, the error names the first (the fixture's
    // others are small, not the official sizes).
    const path = join(dir, 'train-images-idx3-ubyte');
    truncateSync(path, 3e9); // sparse: no disk used
    const error = (await loadFashionMnist({ dir }).catch((e: unknown) => e)) as DataVerificationError;
    expect(error).toBeInstanceOf(DataVerificationError);
    expect(error.message).toBe(`${path}: the file size in bytes should be at most ${maxGzipLength(60_000 * 784 + 16)} but is 3000000000.`);
    expect(error.file).toBe(path);
    rmSync(dir, { recursive: true });
  });

  it.runIf(process.platform === 'linux')('turns a read error (EIO) into a DatasetUnavailableError naming the file, with the cause', async () => {
    const dir = writeFixture(fixture.files);
    const path = join(dir, 't10k-labels-idx1-ubyte');
    rmSync(path);
    symlinkSync('/proc/self/mem', path); // a regular file whose first page cannot be read
    const error = (await loadFashionMnist({ dir, checksums }).catch((e: unknown) => e)) as DatasetUnavailableError;
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    expect(error.message).toBe(`${path}: cannot be read (EIO: i/o error, read).`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EIO');
    rmSync(dir, { recursive: true });
  });

  it('turns EACCES on a file or on the folder into a DatasetUnavailableError naming the file (as another user when run as root)', async () => {
    const dir = writeFixture(fixture.files);
    const path = join(dir, 'train-images-idx3-ubyte');
    const closedDir = writeFixture(fixture.files);
    const inClosed = join(closedDir, 'train-images-idx3-ubyte');
    for (const d of [dir, closedDir]) {
      chmodSync(d, 0o755);
      for (const name of readdirSync(d)) chmodSync(join(d, name), 0o644);
    }
    chmodSync(path, 0o000);
    chmodSync(closedDir, 0o000); // stat of anything inside fails
    const expected = [
      { ok: false, name: 'DatasetUnavailableError', message: `${path}: cannot be read (EACCES: permission denied, open '${path}').`, causeCode: 'EACCES' },
      { ok: false, name: 'DatasetUnavailableError', message: `${inClosed}: cannot be read (EACCES: permission denied, stat '${inClosed}').`, causeCode: 'EACCES' },
    ];
    const outcomes = await Promise.all(
      [dir, closedDir].map(async (d) => {
        if (process.getuid?.() === 0) {
          const script = join('test', 'fixtures', 'datasets-load.ts');
          const { stdout } = await run(process.execPath, ['--import', 'tsx', script, JSON.stringify({ dir: d, checksums })], { uid: 65534, gid: 65534, timeout: 60_000 });
          return JSON.parse(stdout) as unknown;
        }
        const error = (await loadFashionMnist({ dir: d, checksums }).catch((e: unknown) => e)) as DatasetUnavailableError;
        return { ok: false, name: error.name, message: error.message, causeCode: (error.cause as NodeJS.ErrnoException).code };
      }),
    );
    expect(outcomes).toEqual(expected);
    chmodSync(closedDir, 0o755);
    rmSync(dir, { recursive: true });
    rmSync(closedDir, { recursive: true });
  });

  it('rejects an already aborted signal with its reason before reading anything', async () => {
    const reason = new Error('not now');
    await expect(loadFashionMnist({ dir: DEBIAN, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it.each([
    [{ timeoutMs: 0 }, 'Argument `options.timeoutMs` must be an integer from 1 to 2147483647 (milliseconds), but received 0.'],
    [{ timeoutMs: 2 ** 31 }, 'Argument `options.timeoutMs` must be an integer from 1 to 2147483647 (milliseconds), but received 2147483648.'],
    [{ idleTimeoutMs: 1.5 }, 'Argument `options.idleTimeoutMs` must be an integer from 1 to 2147483647 (milliseconds), but received 1.5.'],
    [{ onProgress: 'log' }, 'Argument `options.onProgress` must be a function, but received "log".'],
    [{ signal: {} }, 'Argument `options.signal` must be an AbortSignal, but received an object (Object).'],
    [{ mirrors: ['https://ok.example/', 'not a url'] }, 'Argument `options.mirrors[1]` must be an absolute http or https URL, but received "not a url".'],
    [{ mirrors: ['ftp://example.com/'] }, 'Argument `options.mirrors[0]` must be an absolute http or https URL, but received "ftp://example.com/".'],
    [{ baseUrl: 'data/' }, 'Argument `options.baseUrl` must be a URL (absolute, or relative to the page in a browser), but received "data/".'],
  ])('rejects bad options %j up front', async (options, message) => {
    const error = await loadFashionMnist(options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(message);
    if ('mirrors' in options) return;
    const neutral = await loadNeutral({ baseUrl: 'http://127.0.0.1:9/', ...options } as never).catch((e: unknown) => e);
    expect((neutral as Error).message).toBe(message);
  });
});

// ---------------------------------------------------------------------------------------------
// A loopback server: /<behaviour>/<file>. Every request is logged; endless bodies record how much
// they sent. Everything it does is bounded in bytes and time and stops when the client goes.

const gz = Object.fromEntries(Object.entries(fixture.files).map(([name, bytes]) => [`${name}.gz`, gzipSync(bytes)]));
/** A gzip header, then deflate's empty stored blocks: valid, and inflating to nothing, forever. */
const GZIP_HEADER = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
const EMPTY_BLOCKS = Buffer.alloc(5 * 13_107);
for (let i = 0; i < EMPTY_BLOCKS.length; i += 5) EMPTY_BLOCKS.set([0, 0, 0, 0xff, 0xff], i);
/** A stored block holding the IDX header of 5 images or labels: the decoder then knows the file's size. */
const storedHeader = (header: Uint8Array): Uint8Array => Buffer.concat([new Uint8Array([0, header.length, 0, ~header.length & 0xff, 0xff]), header]);
const STORED_HEADERS = { images: storedHeader(idxHeader(2051, 5, 28, 28)), labels: storedHeader(idxHeader(2049, 5)) };
const ENDLESS_CAP = 256 << 20;

let server: Server;
let base = '';
const requests: string[] = [];
const sent: Record<string, number> = {};

function endless(response: ServerResponse, key: string, prefix: Uint8Array[]): void {
  let closed = false;
  response.on('close', () => (closed = true));
  response.writeHead(200); // no Content-Length: chunked
  sent[key] = 0;
  for (const part of prefix) response.write(part);
  const pump = (): void => {
    while (!closed && sent[key]! < ENDLESS_CAP) {
      sent[key]! += EMPTY_BLOCKS.length;
      if (!response.write(EMPTY_BLOCKS)) return void response.once('drain', pump);
    }
    response.end();
  };
  pump();
}

function drip(response: ServerResponse, body: Uint8Array, everyMs: number): void {
  response.writeHead(200);
  let i = 0;
  const timer = setInterval(() => {
    if (i < body.length) response.write(body.subarray(i, ++i));
    else response.end();
  }, everyMs);
  response.on('close', () => clearInterval(timer));
}

function route(request: IncomingMessage, response: ServerResponse): void {
  requests.push(request.url ?? '');
  const [, behaviour = '', file = ''] = (request.url ?? '').split('/');
  const body = gz[file];
  if (!body) return void response.writeHead(404).end('not found');
  if (behaviour === 'good' || behaviour === 'good2') return void response.writeHead(200, { 'content-length': body.length }).end(body);
  // The .gz file sent as a gzip-encoded plain IDX file, as Vite's preview server does: fetch
  // decodes it, so the body is longer than the Content-Length.
  if (behaviour === 'encoded') return void response.writeHead(200, { 'content-length': body.length, 'content-encoding': 'gzip' }).end(body);
  if (behaviour === 'drip') return drip(response, body, 100);
  if (behaviour === 'stall') return void response.writeHead(200).flushHeaders();
  if (behaviour === 'huge') return void response.writeHead(200, { 'content-length': 2_000_000_000 }).write(body);
  if (behaviour === 'endless') return endless(response, request.url!, [GZIP_HEADER]);
  if (behaviour === 'endless-header') return endless(response, request.url!, [GZIP_HEADER, STORED_HEADERS[file.includes('images') ? 'images' : 'labels']]);
  response.writeHead(404).end();
}

beforeAll(async () => {
  server = createServer(route);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const work = tempDir('hostile');
const freshCache = (): string => mkdtempSync(join(work, 'cache-'));
const seconds = async <T>(work: Promise<T>): Promise<[T | unknown, number]> => {
  const start = performance.now();
  const outcome = await work.catch((e: unknown) => e);
  return [outcome, (performance.now() - start) / 1000];
};
const causes = (error: unknown): unknown[] => ((error as Error).cause as AggregateError).errors;

describe('servers that encode the transfer', () => {
  it('loads .gz files sent with Content-Encoding: gzip, from a mirror and from baseUrl', async () => {
    const cacheDir = freshCache();
    const fromMirror = await loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/encoded/`], checksums });
    const fromUrl = await loadFashionMnist({ baseUrl: `${base}/encoded/`, checksums });
    for (const data of [fromMirror, fromUrl]) expect([data.train.count, data.test.count]).toEqual([5, 3]);
    expect(fromUrl.train.images).toEqual(fromMirror.train.images);
    rmSync(cacheDir, { recursive: true });
  });
});

describe('misbehaving mirrors', () => {
  it('ends a download that drips 1 byte per 100 ms at its deadline (timeoutMs), leaving nothing behind', async () => {
    const cacheDir = freshCache();
    const [error, took] = await seconds(loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/drip/`], checksums, timeoutMs: 500, idleTimeoutMs: 300 }));
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Could not download train-images-idx3-ubyte\\.gz from any mirror \\(${base}/drip/train-images-idx3-ubyte\\.gz: not finished within 500 ms \\(options\\.timeoutMs\\), after [1-5] bytes\\)\\.$`),
    );
    expect(causes(error)[0]).toBeInstanceOf(DownloadError);
    expect(took).toBeLessThan(2);
    expect(readdirSync(cacheDir)).toEqual([]);
    rmSync(cacheDir, { recursive: true });
  });

  it('applies the idle timeout to a mirror that sends headers and then nothing', async () => {
    const cacheDir = freshCache();
    const [error, took] = await seconds(loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/stall/`], checksums, idleTimeoutMs: 200 }));
    expect((error as Error).message).toBe(
      `Could not download train-images-idx3-ubyte.gz from any mirror (${base}/stall/train-images-idx3-ubyte.gz: no data received for 200 ms (options.idleTimeoutMs), after 0 bytes).`,
    );
    expect(took).toBeLessThan(2);
    rmSync(cacheDir, { recursive: true });
  });

  it('refuses a Content-Length larger than the file can be, before reading the body, then tries the next mirror', async () => {
    const cacheDir = freshCache();
    const data = await loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/huge/`, `${base}/good/`], checksums });
    expect(data.train.count).toBe(5);
    const error = (await loadFashionMnist({ cacheDir: freshCache(), sources: ['download'], mirrors: [`${base}/huge/`] }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      `Could not download train-images-idx3-ubyte.gz from any mirror (${base}/huge/train-images-idx3-ubyte.gz: the server announces 2000000000 bytes (Content-Length), more than the ${maxGzipLength(47_040_016)} bytes a gzip of train-images-idx3-ubyte can be).`,
    );
    rmSync(cacheDir, { recursive: true });
  });

  it('stops an endless body without Content-Length at the most a gzip of the file can be', async () => {
    const cacheDir = freshCache();
    const limit = maxGzipLength(47_040_016);
    const [error, took] = await seconds(loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/endless/`] }));
    expect((error as Error).message).toBe(
      `Could not download train-images-idx3-ubyte.gz from any mirror (${base}/endless/train-images-idx3-ubyte.gz: the body is longer than ${limit} bytes, the most a gzip of train-images-idx3-ubyte can be).`,
    );
    // The server stops within socket buffers of the limit, and nothing is left in the cache.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent['/endless/train-images-idx3-ubyte.gz']).toBeLessThan(limit + (16 << 20));
    expect(took).toBeLessThan(5);
    expect(readdirSync(cacheDir)).toEqual([]);
    rmSync(cacheDir, { recursive: true });
  });

  it('narrows the limit to the IDX header once it is known (5 images: about 1 MB of gzip at most)', async () => {
    const cacheDir = freshCache();
    const limit = maxGzipLength(16 + 5 * 784);
    const error = (await loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/endless-header/`], checksums }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`the body is longer than ${limit} bytes, the most a gzip of train-images-idx3-ubyte can be`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sent['/endless-header/train-images-idx3-ubyte.gz']).toBeLessThan(limit + (16 << 20));
    rmSync(cacheDir, { recursive: true });
  });

  it.each([
    ['the default AbortError', undefined],
    ['a custom reason', new Error('user cancelled')],
  ])("rejects with the signal's reason (%s), not a connection failure, and tries no other mirror", async (_case, reason) => {
    const cacheDir = freshCache();
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 250);
    requests.length = 0;
    const [error, took] = await seconds(loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/drip/`, `${base}/good/`], checksums, signal: controller.signal }));
    expect(error).toBe(controller.signal.reason);
    if (!reason) expect((error as DOMException).name).toBe('AbortError');
    expect(requests).toEqual(['/drip/train-images-idx3-ubyte.gz']);
    expect(took).toBeLessThan(1);
    expect(readdirSync(cacheDir)).toEqual([]);
    rmSync(cacheDir, { recursive: true });
  });

  it('passes on an error thrown by onProgress at once, without trying the next mirror', async () => {
    const cacheDir = freshCache();
    const boom = new Error('progress bar broke');
    requests.length = 0;
    const error = await loadFashionMnist({
      cacheDir,
      sources: ['download'],
      mirrors: [`${base}/good/`, `${base}/good2/`],
      checksums,
      onProgress: () => {
        throw boom;
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(boom);
    expect(requests).toEqual(['/good/train-images-idx3-ubyte.gz']);
    expect(readdirSync(cacheDir)).toEqual([]);
    rmSync(cacheDir, { recursive: true });
  });
});

describe('baseUrl gets the same deadlines and errors', () => {
  it.each([
    ['Node', loadFashionMnist],
    ['platform-neutral', loadNeutral],
  ] as const)('%s loader: drip ends at timeoutMs, as a DownloadError naming the URL collected in a DatasetUnavailableError', async (_entry, load) => {
    const [error, took] = await seconds(load({ baseUrl: `${base}/drip/`, checksums, timeoutMs: 400 }));
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Could not fetch (\\S+) from \`options\\.baseUrl\` \\(${base}/drip/\\1\\.gz: not finished within 400 ms \\(options\\.timeoutMs\\), after [1-4] bytes\\)\\.$`),
    );
    const [cause] = causes(error);
    expect(cause).toBeInstanceOf(DownloadError);
    expect((cause as DownloadError).file).toMatch(new RegExp(`^${base}/drip/`));
    expect(took).toBeLessThan(2);
  });

  it('applies the idle timeout', async () => {
    const error = await loadNeutral({ baseUrl: `${base}/stall/`, checksums, idleTimeoutMs: 150 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/no data received for 150 ms \(options\.idleTimeoutMs\), after 0 bytes\)\.$/);
  });

  it('turns a refused connection into a DownloadError with its cause, not a TypeError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await loadNeutral({ baseUrl: `http://127.0.0.1:${port}/`, checksums }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Could not fetch \\S+ from \`options\\.baseUrl\` \\(http://127\\.0\\.0\\.1:${port}/\\S+\\.gz: request failed \\(fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)\\)\\.$`),
    );
    const [cause] = causes(error);
    expect(cause).toBeInstanceOf(DownloadError);
    expect((cause as DownloadError).cause).toBeInstanceOf(TypeError);
  });

  it('refuses an oversized Content-Length and an endless body', async () => {
    const huge = await loadNeutral({ baseUrl: `${base}/huge/` }).catch((e: unknown) => e);
    expect((huge as Error).message).toMatch(/the server announces 2000000000 bytes \(Content-Length\), more than the \d+ bytes a gzip of \S+ can be\)\.$/);
    const endlessError = await loadNeutral({ baseUrl: `${base}/endless-header/`, checksums }).catch((e: unknown) => e);
    expect(endlessError).toBeInstanceOf(DatasetUnavailableError);
    expect((endlessError as Error).message).toMatch(/: the body is longer than (1053004|1048590) bytes, the most a gzip of \S+ can be\)\.$/);
  });

  it("rejects with the signal's reason and passes on a throwing onProgress, trying nothing else", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    requests.length = 0;
    const [aborted, took] = await seconds(loadNeutral({ baseUrl: `${base}/drip/`, checksums, signal: controller.signal }));
    expect(aborted).toBe(controller.signal.reason);
    expect((aborted as DOMException).name).toBe('AbortError');
    expect(took).toBeLessThan(1);
    expect(requests.every((url) => url.endsWith('.gz'))).toBe(true);

    const boom = new Error('progress bar broke');
    requests.length = 0;
    const thrown = await loadFashionMnist({
      baseUrl: `${base}/good/`,
      checksums,
      onProgress: () => {
        throw boom;
      },
    }).catch((e: unknown) => e);
    expect(thrown).toBe(boom);
    expect(requests.every((url) => url.endsWith('.gz'))).toBe(true);
  });

  it('reports progress for baseUrl downloads too', async () => {
    const files = new Set<string>();
    const data = await loadNeutral({ baseUrl: `${base}/good/`, checksums, onProgress: ({ file, loaded, total }) => (loaded === total ? files.add(file) : undefined) });
    expect(data.train.count).toBe(5);
    expect([...files].sort()).toEqual(FILE_SPECS.map((s) => s.name).sort());
  });
});

describe("the library's cache repairs itself; other folders are never modified", () => {
  const warnings = (): { list: Error[]; stop: () => void } => {
    const list: Error[] = [];
    const listener = (warning: Error): void => void list.push(warning);
    process.on('warning', listener);
    return { list, stop: () => process.off('warning', listener) };
  };
  const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

  it.skipIf(missing(FASHION_MNIST))('moves aside cached files that fail verification, warns, and loads Debian’s copy', async () => {
    const cacheDir = writeFixture(fixture.files, { gzip: true }); // another data set cached with checksums: false
    const seen = warnings();
    const data = await loadFashionMnist({ cacheDir, sources: ['cache', 'debian'] });
    await tick();
    seen.stop();
    expect(data.source).toEqual({ kind: 'debian', location: DEBIAN });
    expect(data.train.count).toBe(60_000);
    const left = readdirSync(cacheDir).sort();
    expect(left).toHaveLength(4);
    for (const name of left) expect(name).toMatch(/^(train|t10k)-(images-idx3|labels-idx1)-ubyte\.gz\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
    expect(seen.list).toHaveLength(4);
    const labelsWarning = seen.list.find((w) => w.message.startsWith(join(cacheDir, 'train-labels-idx1-ubyte.gz')))!;
    expect(labelsWarning.name).toBe('FashionMnistCacheWarning');
    expect((labelsWarning as Error & { code?: string }).code).toBe('FASHION_MNIST_CACHE_CORRUPT');
    expect(labelsWarning.message).toMatch(
      new RegExp(
        `^${cacheDir}/train-labels-idx1-ubyte\\.gz: the number of labels in the IDX header \\(official release\\) should be 60000 but is 5; moved it aside to ${cacheDir}/train-labels-idx1-ubyte\\.gz\\.corrupt-\\S+ and trying the next source\\.$`,
      ),
    );
    rmSync(cacheDir, { recursive: true });
  });

  it('re-downloads a cached file with one label changed', async () => {
    const cacheDir = writeFixture({ ...fixture.files, 'train-labels-idx1-ubyte': idxLabels([9, 0, 3, 9, 2]) }, { gzip: true });
    const seen = warnings();
    requests.length = 0;
    const data = await loadFashionMnist({ cacheDir, sources: ['cache', 'download'], mirrors: [`${base}/good/`], checksums });
    await tick();
    seen.stop();
    expect(data.source).toEqual({ kind: 'download', location: cacheDir });
    expect(Array.from(data.train.labels)).toEqual([9, 0, 3, 9, 1]);
    expect(requests).toEqual(['/good/train-labels-idx1-ubyte.gz']);
    expect(seen.list.map((w) => w.message)).toEqual([expect.stringContaining(`${cacheDir}/train-labels-idx1-ubyte.gz: the SHA-256 of the decompressed content should be ${checksums.trainLabels} but is `)]);
    expect(readdirSync(cacheDir).filter((n) => n.includes('.corrupt-'))).toHaveLength(1);
    // The next load reads the repaired cache.
    expect((await loadFashionMnist({ cacheDir, sources: ['cache'], download: false, checksums })).source.kind).toBe('cache');
    rmSync(cacheDir, { recursive: true });
  });

  it.each(['dir', 'env'] as const)("never touches a user's folder (%s): the typed error names the file", async (how) => {
    const dir = writeFixture({ ...fixture.files, 'train-labels-idx1-ubyte': idxLabels([9, 0, 3, 9, 2]) });
    const before = readdirSync(dir).sort();
    if (how === 'env') process.env.FASHION_MNIST_DIR = dir;
    try {
      const error = (await loadFashionMnist(how === 'dir' ? { dir, checksums } : { checksums, sources: ['env', 'debian'] }).catch((e: unknown) => e)) as DataVerificationError;
      expect(error).toBeInstanceOf(DataVerificationError);
      expect(error.file).toBe(join(dir, 'train-labels-idx1-ubyte'));
    } finally {
      delete process.env.FASHION_MNIST_DIR;
    }
    expect(readdirSync(dir).sort()).toEqual(before);
    rmSync(dir, { recursive: true });
  });
});

describe('.part files of killed downloads', () => {
  it('are removed by the next download once their process is gone (kill -9 mid-download)', async () => {
    const cacheDir = freshCache();
    const script = join('test', 'fixtures', 'datasets-load.ts');
    const options = { cacheDir, sources: ['download'], mirrors: [`${base}/drip/`], checksums, idleTimeoutMs: 60_000 };
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (!readdirSync(cacheDir).some((n) => n.endsWith('.part')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await exited;
    const [part] = readdirSync(cacheDir);
    // The name holds the writer's pid and owner tag (the same as this process's: one PID namespace).
    expect(part).toMatch(new RegExp(`^\\.train-images-idx3-ubyte\\.gz\\.${ownerPart().replace(/^\d+/, String(child.pid)).replace(/\./g, '\\.')}[0-9a-f-]{36}\\.part$`));

    // A live process's fresh .part stays; one older than 15 minutes goes (its pid may have been reused).
    const live = `.train-labels-idx1-ubyte.gz.${ownerPart().replace(/^\d+/, String(process.ppid))}00000000-0000-4000-8000-000000000001.part`;
    const old = `.t10k-images-idx3-ubyte.gz.${ownerPart().replace(/^\d+/, String(process.ppid))}00000000-0000-4000-8000-000000000002.part`;
    writeFileSync(join(cacheDir, live), 'x');
    writeFileSync(join(cacheDir, old), 'x');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(join(cacheDir, old), twoDaysAgo, twoDaysAgo);
    writeFileSync(join(cacheDir, 'notes.txt'), 'mine');

    await loadFashionMnist({ cacheDir, sources: ['download'], mirrors: [`${base}/good/`], checksums });
    expect(readdirSync(cacheDir).sort()).toEqual([live, ...Object.keys(gz), 'notes.txt'].sort());
    rmSync(cacheDir, { recursive: true });
  });
});
