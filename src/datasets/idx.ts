import { DataVerificationError } from '../errors.js';

/** IDX magic numbers: 0x0000 0803 (unsigned bytes, 3 dimensions) and 0x0000 0801 (1 dimension). */
export const IMAGES_MAGIC = 2051;
export const LABELS_MAGIC = 2049;
const SIDE = 28;
const CLASSES = 10;

/**
 * The most images (or labels) one file of another data set in the Fashion-MNIST layout may hold
 * (`checksums: false`, or digests other than the official ones): 1,000,000, that is 784 MB of
 * pixels. Official files must hold exactly their official count (60,000 or 10,000).
 */
export const MAX_CUSTOM_ITEMS = 1_000_000;

export type IdxKind = 'images' | 'labels';

/** Bytes of the IDX header: magic number and one 32-bit size per dimension. */
export function idxHeaderLength(kind: IdxKind): number {
  return kind === 'images' ? 16 : 8;
}

/** Bytes of a whole IDX file of `count` 28x28 images or `count` labels. */
export function idxFileLength(kind: IdxKind, count: number): number {
  return idxHeaderLength(kind) + count * (kind === 'images' ? SIDE * SIDE : 1);
}

/** How many items the header may announce: exactly `exactCount` (official files), else at most `maxCount`. */
export interface IdxLimits {
  maxCount: number;
  exactCount: number | undefined;
}

export interface ParsedIdx {
  /** The whole file: header and body. */
  bytes: Uint8Array;
  /** Pixels or labels, a view into `bytes` (no copy). */
  data: Uint8Array;
  count: number;
}

/**
 * Parses an IDX file as its bytes arrive, so that nothing larger than the file can legitimately be
 * is ever held: the header (magic number, 28x28, item count within {@link IdxLimits}) is checked
 * as soon as its bytes are in, then exactly the number of bytes it announces is accepted and one
 * more is refused. Labels are checked (0-9) chunk by chunk.
 */
export class IdxAssembler {
  private readonly header: Uint8Array;
  private headerFill = 0;
  private buffer: Uint8Array | undefined;
  private filled = 0;
  private length = 0;
  private count = 0;

  constructor(
    readonly kind: IdxKind,
    readonly file: string,
    readonly limits: IdxLimits,
  ) {
    this.header = new Uint8Array(idxHeaderLength(kind));
  }

  /** The most bytes the file may have: from its header once read, else from the limits. */
  get maxLength(): number {
    if (this.buffer) return this.length;
    return idxFileLength(this.kind, this.limits.exactCount ?? this.limits.maxCount);
  }

  /** Takes the next bytes of the file; throws {@link DataVerificationError} as soon as they are wrong. */
  push(chunk: Uint8Array): void {
    let offset = 0;
    if (!this.buffer) {
      offset = Math.min(this.header.length - this.headerFill, chunk.length);
      this.header.set(chunk.subarray(0, offset), this.headerFill);
      this.headerFill += offset;
      if (this.headerFill < this.header.length) return;
      this.start();
    }
    const body = chunk.subarray(offset);
    if (body.length === 0) return;
    if (this.filled + body.length > this.length) {
      throw new DataVerificationError('the file length in bytes (from its IDX header)', { file: this.file, expected: this.length, actual: `more than ${this.length}` });
    }
    if (this.kind === 'labels') this.checkLabels(body, this.filled - this.header.length);
    this.reserve(this.filled + body.length).set(body, this.filled);
    this.filled += body.length;
  }

  /** The complete file; throws {@link DataVerificationError} when it ended early. */
  finish(): ParsedIdx {
    if (!this.buffer) {
      throw new DataVerificationError('length (bytes) of the IDX header', { file: this.file, expected: `at least ${this.header.length}`, actual: this.headerFill });
    }
    if (this.filled !== this.length) {
      throw new DataVerificationError('the file length in bytes (from its IDX header)', { file: this.file, expected: this.length, actual: this.filled });
    }
    const bytes = this.buffer.length === this.length ? this.buffer : this.buffer.slice(0, this.length);
    return { bytes, data: bytes.subarray(this.header.length), count: this.count };
  }

  private start(): void {
    const view = new DataView(this.header.buffer);
    const magic = this.kind === 'images' ? IMAGES_MAGIC : LABELS_MAGIC;
    const actualMagic = view.getUint32(0);
    if (actualMagic !== magic) throw new DataVerificationError('the IDX magic number', { file: this.file, expected: magic, actual: actualMagic });
    const count = view.getUint32(4);
    if (this.kind === 'images') {
      const height = view.getUint32(8);
      const width = view.getUint32(12);
      if (height !== SIDE || width !== SIDE) {
        throw new DataVerificationError('the image size', { file: this.file, expected: `${SIDE}x${SIDE}`, actual: `${height}x${width}` });
      }
    }
    const what = `the number of ${this.kind} in the IDX header`;
    const { exactCount, maxCount } = this.limits;
    if (exactCount !== undefined && count !== exactCount) throw new DataVerificationError(`${what} (official release)`, { file: this.file, expected: exactCount, actual: count });
    if (count > maxCount) throw new DataVerificationError(what, { file: this.file, expected: `at most ${maxCount}`, actual: count });
    this.count = count;
    this.length = idxFileLength(this.kind, count);
    // Official files are allocated whole (their size is known and small); other files grow as their
    // bytes arrive, so that a header announcing a million images costs nothing until they come.
    this.buffer = new Uint8Array(exactCount === undefined ? Math.min(this.length, 1 << 16) : this.length);
    this.buffer.set(this.header);
    this.filled = this.header.length;
  }

  private reserve(size: number): Uint8Array {
    let buffer = this.buffer!;
    if (size > buffer.length) {
      // Doubling while small; past 16 MiB straight to the announced length (lazily committed
      // zero pages), so that the peak is the file plus at most 16 MiB, not twice the file.
      const doubled = Math.max(size, buffer.length * 2);
      const grown = new Uint8Array(doubled <= 1 << 24 ? doubled : this.length);
      grown.set(buffer.subarray(0, this.filled));
      this.buffer = buffer = grown;
    }
    return buffer;
  }

  private checkLabels(labels: Uint8Array, first: number): void {
    const bad = labels.findIndex((label) => label >= CLASSES);
    if (bad >= 0) throw new DataVerificationError(`label ${first + bad}`, { file: this.file, expected: `a class from 0 to ${CLASSES - 1}`, actual: labels[bad]! });
  }
}
