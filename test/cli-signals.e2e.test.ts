// Interrupting the command-line program: Ctrl-C (SIGINT) and SIGTERM during train end the line,
// keep the checkpoint of the last finished epoch, print the one line that resumes, and exit 130 or
// 143; no temporary folder of the threaded wasm backend is left behind on any exit path. Spawns real
// training runs on the real data set (small subsets, two wasm threads).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root, RunningCli, runCli } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'fmnist-cli-signals-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh temporary directory for one program, to see what it leaves there. */
function privateTmp(): { env: NodeJS.ProcessEnv; leftovers: () => string[] } {
  const dir = mkdtempSync(join(work, 'tmp-'));
  return { env: { ...process.env, TMPDIR: dir }, leftovers: () => readdirSync(dir).filter((name) => name.startsWith('tfjs-fashion-mnist-wasm-')) };
}

const TRAIN = ['train', '--threads', '2', '--limit', '128', '--batch-size', '16', '--epochs', '5'];

/** The epoch a checkpoint folder holds (one-based), from its model.json. */
function checkpointEpochs(dir: string): number {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  return json.userDefinedMetadata.tfjsFashionMnistCheckpoint.epoch + 1;
}

describe('interrupting train', () => {
  it('on Ctrl-C in epoch 2 keeps epoch 1, prints the command that resumes, and the resumed run goes on (SIGTERM: 143)', async () => {
    const out = join(work, 'run');
    const tmp = privateTmp();
    const args = [...TRAIN, '--out', out];
    const first = new RunningCli(args, { env: tmp.env });
    await first.waitFor(/^Epoch 2\/5$/m);
    first.kill('SIGINT');
    expect((await first.exited).code).toBe(130);
    const line = /^Interrupted in epoch (\d)\/5: (.+) keeps (?:epoch 1|epochs 1-(\d)) of 5\. Resume with: (.+)\n$/.exec(first.stderr);
    expect(line, first.stderr).not.toBeNull();
    const kept = Number(line![3] ?? 1);
    expect(Number(line![1])).toBe(kept + 1);
    expect(line![2]).toBe(join(out, 'checkpoint'));
    expect(line![4]).toBe(`node --import tsx src/cli.ts ${args.join(' ')} --resume`);
    expect(checkpointEpochs(join(out, 'checkpoint'))).toBe(kept);
    expect(tmp.leftovers()).toEqual([]);

    // The printed command, run as printed (from the same folder).
    const resumed = new RunningCli([...args, '--resume'], { env: tmp.env });
    await resumed.waitFor(new RegExp(`^\\[INFO\\] resuming from ${join(out, 'checkpoint')} after epoch ${kept}$`, 'm'));
    await resumed.waitFor(new RegExp(`^Epoch ${kept + 2}/5$`, 'm'));
    expect(resumed.stdout).not.toMatch(new RegExp(`^Epoch ${kept}/5$`, 'm'));
    resumed.kill('SIGTERM');
    expect((await resumed.exited).code).toBe(143);
    const again = /^Interrupted in epoch (\d)\/5: .+ keeps epochs 1-(\d) of 5\. Resume with: (.+)\n$/.exec(resumed.stderr);
    expect(again, resumed.stderr).not.toBeNull();
    expect(Number(again![2])).toBeGreaterThan(kept);
    // --resume is not repeated.
    expect(again![3]).toBe(`node --import tsx src/cli.ts ${args.join(' ')} --resume`);
    expect(checkpointEpochs(join(out, 'checkpoint'))).toBe(Number(again![2]));
    expect(tmp.leftovers()).toEqual([]);
  }, 600_000);

  it('in epoch 1 says that nothing was kept, and a later --resume says that it starts over', async () => {
    const out = join(work, 'early');
    const tmp = privateTmp();
    const args = [...TRAIN, '--out', out];
    const run = new RunningCli(args, { env: tmp.env });
    await run.waitFor(/^Epoch 1\/5$/m);
    run.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    expect(run.stderr).toBe(
      `Interrupted in epoch 1/5: no epoch had finished, so nothing was kept (a checkpoint is written after each epoch). Start again with: node --import tsx src/cli.ts ${args.join(' ')}\n`,
    );
    expect(existsSync(join(out, 'checkpoint'))).toBe(false);
    expect(tmp.leftovers()).toEqual([]);

    const resumed = new RunningCli([...args, '--resume'], { env: tmp.env });
    await resumed.waitFor(new RegExp(`^\\[INFO\\] --resume: no checkpoint in ${join(out, 'checkpoint')} yet, so training starts from the first epoch$`, 'm'));
    // Two signals at once: one line, the first signal's code.
    resumed.kill('SIGTERM');
    resumed.kill('SIGTERM');
    expect((await resumed.exited).code).toBe(143);
    expect(resumed.stderr).toMatch(/^Interrupted before training started: no epoch had finished, so nothing was kept \(.+\)\. Start again with: .+ --resume\n$/);
    expect(tmp.leftovers()).toEqual([]);
  }, 600_000);

  // On a terminal the progress bar is redrawn in place, so the line is open when Ctrl-C comes.
  // util-linux's script(1) gives the program a pseudo-terminal, and Ctrl-C typed into it.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('ends the progress line on a terminal before its line (needs script(1), from util-linux)', async () => {
    const out = join(work, 'tty');
    const tmp = privateTmp();
    const command = `exec ${process.execPath} --import tsx src/cli.ts ${[...TRAIN, '--out', out].join(' ')}`;
    const { spawn } = await import('node:child_process');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: root, env: tmp.env });
    let screen = '';
    let sent = false;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      screen += text;
      // Ctrl-C while the bar of epoch 2 is drawn.
      if (!sent && /Epoch 2\/5\r?\n[^\n]*ETA/.test(screen)) {
        sent = true;
        child.stdin.write('\x03');
      }
    });
    const code = await new Promise<number | null>((resolveExit) => child.on('close', resolveExit));
    expect(code).toBe(130);
    const at = screen.lastIndexOf('Interrupted in epoch');
    expect(at, screen).toBeGreaterThan(0);
    const sinceLastDraw = screen.slice(screen.lastIndexOf('\x1b[K', at), at);
    expect(sinceLastDraw).toContain('\n');
    expect(tmp.leftovers()).toEqual([]);
  }, 600_000);
});

describe('the threaded wasm backend\'s temporary folder', () => {
  it('is removed when a command ends normally and when it fails after the backend started', async () => {
    const tmp = privateTmp();
    const ok = await runCli(['predict', join(root, 'examples/images/trouser.png'), '--threads', '2'], { env: tmp.env });
    expect(ok.code).toBe(0);
    expect(tmp.leftovers()).toEqual([]);

    const broken = join(work, 'broken-model');
    mkdirSync(broken);
    writeFileSync(join(broken, 'model.json'), '{}');
    const failed = await runCli(['predict', broken, join(root, 'examples/images/trouser.png'), '--threads', '2'], { env: tmp.env });
    expect(failed.code, JSON.stringify(failed)).toBe(2);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/^error: .*model\.json/);
    expect(tmp.leftovers()).toEqual([]);
  }, 600_000);
});
