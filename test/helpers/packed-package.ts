// The package as npm publishes it, installed into a fresh project: the suites that test what users
// install (package, runtimes) start from here. Building rewrites dist/, so suites that run at once
// take turns through a lock folder: one builds and packs while the others wait. With
// FMNIST_PACKED_TARBALL set to a tarball that `npm pack` made from this checkout, they install that
// one instead: .ci/run packs once and tests the one tarball on every Node version, as a published
// package is built once and installed everywhere.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The tfjs version the repository's own tests use, for the consumer projects' peer dependencies. */
export const TFJS_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8')) as { version: string }).version;

export interface PackedPackage {
  /** The tarball's path, inside the consumer project's folder. */
  tarball: string;
  /** The paths the tarball holds, sorted. */
  files: string[];
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Builds and packs the package into `work`, makes `work` an ES-module project and installs the
 * tarball there with the given tfjs packages (`core`, `layers`, `backend-wasm`...), at the version
 * the repository uses.
 */
export function installPackedPackage(work: string, tfjs: readonly string[]): PackedPackage {
  const packed = process.env['FMNIST_PACKED_TARBALL'] ? copyPacked(process.env['FMNIST_PACKED_TARBALL'], work) : buildAndPack(work);
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', packed.tarball, ...tfjs.map((name) => `@tensorflow/tfjs-${name}@${TFJS_VERSION}`)], work);
  return packed;
}

function buildAndPack(work: string): PackedPackage {
  const packed = whileHoldingBuildLock(() => {
    run('npm', ['run', 'build'], ROOT);
    return JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  });
  return { tarball: join(work, packed[0]!.filename), files: packed[0]!.files.map((file) => file.path).sort() };
}

function copyPacked(source: string, work: string): PackedPackage {
  const tarball = join(work, basename(source));
  copyFileSync(source, tarball);
  // npm packs every file under package/; tar lists files only, as npm pack --json does.
  const files = run('tar', ['-tzf', tarball], work).split('\n').filter((path) => path.startsWith('package/') && !path.endsWith('/'));
  return { tarball, files: files.map((path) => path.slice('package/'.length)).sort() };
}

// One lock per checkout. A lock whose holder has died, or that is older than a build can take, is
// taken over.
const LOCK = join(tmpdir(), `fmnist-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 16)}.lock`);
const STALE_MS = 10 * 60_000;

function whileHoldingBuildLock<T>(work: () => T): T {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale()) rmSync(LOCK, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    writeFileSync(join(LOCK, 'pid'), String(process.pid));
    return work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function lockIsStale(): boolean {
  try {
    if (Date.now() - statSync(LOCK).mtimeMs > STALE_MS) return true;
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // No pid file yet: its holder is between making the folder and writing it.
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ESRCH';
  }
}
