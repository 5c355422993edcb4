import { DataVerificationError } from '../errors.js';
import { OFFICIAL_CHECKSUMS, type FashionMnistChecksums, type FileSpec } from './files.js';
import { IdxAssembler, MAX_CUSTOM_ITEMS } from './idx.js';

/**
 * Decompresses a gzip stream incrementally: yields decompressed chunks as compressed ones are
 * consumed, so that the reader can stop (return) as soon as it has enough. The Node loader passes
 * node:zlib, elsewhere {@link streamGunzip} (DecompressionStream) is used.
 */
export type Gunzip = (compressed: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

export interface DecodedFile {
  spec: FileSpec;
  location: string;
  /** Pixels or labels, a view into the decompressed file. */
  data: Uint8Array;
  count: number;
}

/**
 * The most bytes a gzip of `size` decompressed bytes may take: deflate's stored blocks add 5 bytes
 * per 64 KiB, so size + size/8 is far above any real encoder's output, and 1 MiB covers the gzip
 * header's optional fields (file name, comment, extra field).
 */
export function maxGzipLength(size: number): number {
  return size + Math.floor(size / 8) + (1 << 20);
}

/**
 * A file is official when its expected digest is the official one: it must then hold exactly the
 * official count. Files of other data sets may hold up to {@link MAX_CUSTOM_ITEMS} items.
 */
export function createAssembler(spec: FileSpec, location: string, checksums: FashionMnistChecksums | null): IdxAssembler {
  const official = checksums !== null && checksums[spec.role] === OFFICIAL_CHECKSUMS[spec.role];
  return new IdxAssembler(spec.kind, location, { maxCount: MAX_CUSTOM_ITEMS, exactCount: official ? spec.count : undefined });
}

/** gzip streams start with the bytes 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The platform's own gzip decoder (browsers, Deno, Bun and Node all have DecompressionStream). It
 * inflates each written chunk whole before the reader can stop it, so input is fed in slices of
 * 16 KiB: a bomb (at most ~1032:1 for deflate) then overshoots the reader's budget by ~16 MB at most.
 */
export const streamGunzip: Gunzip = (compressed) => ({
  [Symbol.asyncIterator]: () => {
    const input = sliced(compressed, 1 << 14)[Symbol.asyncIterator]();
    const source = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await input.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel() {
        // Not awaited: the source may be waiting for the network, which its owner's deadline ends.
        input.return?.(undefined).catch(() => undefined);
      },
    });
    const inflated = source.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
    return readAll(inflated.getReader());
  },
});

async function* sliced(chunks: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    for (let offset = 0; offset < chunk.length; offset += size) yield chunk.subarray(offset, offset + size);
  }
}

async function* readAll(reader: ReadableStreamDefaultReader<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    for (let part = await reader.read(); !part.done; part = await reader.read()) yield part.value;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Turns a file's bytes (gzip or plain IDX), as they arrive, into verified data: gzip integrity, IDX
 * structure within the assembler's limits, and the SHA-256 of the decompressed content unless
 * `checksums` is null. Inflating stops one byte past what the IDX header allows, so a gzip bomb is
 * refused without being inflated. Errors thrown by `chunks` (the download or the file read) pass
 * through unchanged; everything wrong with the content is a {@link DataVerificationError}.
 */
export async function decodeStream(
  spec: FileSpec,
  chunks: AsyncIterable<Uint8Array>,
  location: string,
  checksums: FashionMnistChecksums | null,
  gunzip: Gunzip,
  assembler: IdxAssembler = createAssembler(spec, location, checksums),
): Promise<DecodedFile> {
  await inflateInto(assembler, chunks, location, gunzip);
  const { bytes, data, count } = assembler.finish();
  if (checksums) {
    const actual = await sha256Hex(bytes);
    const expected = checksums[spec.role];
    if (actual !== expected) throw new DataVerificationError('the SHA-256 of the decompressed content', { file: location, expected, actual });
  }
  return { spec, location, data, count };
}

/**
 * Feeds the (inflated, if gzip) bytes to the assembler until the input ends or the assembler
 * refuses a chunk, which stops reading and inflating at once. Tells the input's own errors (passed
 * on) from the decoder's (a {@link DataVerificationError}).
 */
async function inflateInto(assembler: IdxAssembler, chunks: AsyncIterable<Uint8Array>, location: string, gunzip: Gunzip): Promise<void> {
  let sourceFailure: { error: unknown } | undefined;
  const input = (async function* guarded() {
    try {
      yield* chunks;
    } catch (error) {
      sourceFailure ??= { error };
      throw error;
    }
  })();
  const { prefix, rest } = await sniff(input);
  const stream = prepend(prefix, rest);
  let verdict: unknown;
  try {
    for await (const chunk of isGzip(concat(prefix)) ? gunzip(stream) : stream) {
      try {
        assembler.push(chunk);
      } catch (error) {
        verdict = error;
        break;
      }
    }
  } catch (error) {
    if (sourceFailure) throw sourceFailure.error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataVerificationError('the gzip content', { file: location, expected: 'a complete, valid gzip stream', actual: `unreadable (${reason})` });
  }
  if (verdict !== undefined) throw verdict;
  if (sourceFailure) throw sourceFailure.error;
}

/** Reads until at least two bytes (enough to tell gzip from plain IDX) or the end. */
async function sniff(input: AsyncGenerator<Uint8Array>): Promise<{ prefix: Uint8Array[]; rest: AsyncGenerator<Uint8Array> }> {
  const prefix: Uint8Array[] = [];
  let length = 0;
  while (length < 2) {
    const next = await input.next();
    if (next.done) break;
    prefix.push(next.value);
    length += next.value.length;
  }
  return { prefix, rest: input };
}

async function* prepend(prefix: Uint8Array[], rest: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* prefix;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  } finally {
    rest.return(undefined).catch(() => undefined);
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}
