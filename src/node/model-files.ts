// Node-only: writes a directory of files so that it appears whole or not at all.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `files` into a fresh temporary directory beside `dir`, runs `verify` on it, then swaps it
 * in place of `dir` (the old directory is renamed aside first and removed after). A crash leaves
 * either the old directory or the new one, plus at worst a stray hidden temporary.
 */
export async function writeModelDirectory(
  dir: string,
  files: Record<string, string | Uint8Array>,
  verify: (read: (name: string) => Promise<Uint8Array>) => Promise<void>,
): Promise<void> {
  const parent = dirname(dir);
  const staging = join(parent, `.${basename(dir)}.${process.pid}.${randomUUID()}.tmp`);
  const retired = `${staging}.old`;
  await mkdir(staging);
  try {
    for (const [name, content] of Object.entries(files)) {
      const handle = await open(join(staging, name), 'wx');
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await verify(async (name) => new Uint8Array(await readFile(join(staging, name))));
    const hadOld = await rename(dir, retired).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    await rename(staging, dir);
    if (hadOld) await rm(retired, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
