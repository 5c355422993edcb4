// A temp folder of a test file's own, removed after its last test: the one fixture for temp folders.
import { randomUUID } from 'node:crypto';
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * The path of a new folder under the system's temp folder (its real path, symlinks resolved), named
 * after `name`. The folder is made before the file's first test and removed, with all its contents,
 * after its last; a file whose tests are all skipped leaves nothing behind.
 */
export function tempDir(name: string): string {
  const dir = join(realpathSync(tmpdir()), `fmnist-${name}-${randomUUID()}`);
  beforeAll(() => mkdirSync(dir));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
