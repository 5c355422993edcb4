import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as root from '../src/index.js';
import { FashionMnistError, FileWriteError, savePng } from '../src/node.js';
import { describeFsError, writeFileAtomic } from '../src/node/atomic.js';
import { tempDir } from './helpers/temp-dir.js';

const work = tempDir('atomic');

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('writeFileAtomic', () => {
  it('creates missing parent folders and replaces a file whole, leaving no temporary', async () => {
    const path = join(work, 'new', 'sub', 'file.txt');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, new TextEncoder().encode('second'));
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(readdirSync(join(work, 'new', 'sub'))).toEqual(['file.txt']);
  });

  it('names the target, not its temporary, when the write fails, and leaves no temporary', async () => {
    const folder = join(work, 'a-folder');
    mkdirSync(folder);
    const error = await errorOf(writeFileAtomic(folder, 'x'));
    expect(error).toBeInstanceOf(FileWriteError);
    expect(error).toBeInstanceOf(FashionMnistError);
    expect(error.message).toBe(`${folder}: cannot be written; a folder is in the way (EISDIR).`);
    expect((error as FileWriteError).file).toBe(folder);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
    expect(readdirSync(work).filter((name) => name.startsWith('.'))).toEqual([]);

    writeFileSync(join(work, 'plain'), '');
    const inside = join(work, 'plain', 'file.png');
    await expect(writeFileAtomic(inside, 'x')).rejects.toThrow(`${inside}: cannot be written; a file is in the way (EEXIST).`);
  });

  it('is what savePng uses: parents created, failures named', async () => {
    const path = join(work, 'images', 'pixel.png');
    await savePng({ width: 1, height: 1, data: new Uint8Array([0, 255, 0]) }, path);
    expect(readFileSync(path).subarray(1, 4).toString()).toBe('PNG');
    await expect(savePng({ width: 1, height: 1, data: new Uint8Array([0, 255, 0]) }, join(work, 'images'))).rejects.toThrow(FileWriteError);
  });

  it('is exported from the platform-neutral entry', () => {
    expect(root.FileWriteError).toBe(FileWriteError);
    expect(new FileWriteError('cannot be written; permission denied (EACCES)', { file: 'a.png' }).message).toBe('a.png: cannot be written; permission denied (EACCES).');
  });
});

describe('describeFsError', () => {
  it('phrases system errors without their paths', () => {
    expect(describeFsError(Object.assign(new Error("EACCES: permission denied, open '/x/.a.1.tmp'"), { code: 'EACCES' }))).toBe('permission denied (EACCES)');
    expect(describeFsError(Object.assign(new Error('odd'), { code: 'EWHAT' }))).toBe('system error (EWHAT)');
    expect(describeFsError(new Error('plain'))).toBe('plain');
  });
});
