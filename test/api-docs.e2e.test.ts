// The API reference as the README tells users to read it: `npm run docs`, then docs/api/index.html
// opened from disk (file://) in Chromium. The guides the README links to are pages of it, and its
// icons show without a load the browser refuses.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './helpers/chromium.js';
import { ROOT } from './helpers/packed-package.js';
import { CHROMIUM, missing } from './helpers/requirements.js';
import { tempDir } from './helpers/temp-dir.js';

const out = join(tempDir('api-docs'), 'api');
const GUIDES = ['results', 'benchmarks', 'browser', 'safety', 'api'];

beforeAll(() => {
  execFileSync('npm', ['run', 'docs', '--', '--out', out], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}, 300_000);

describe('the API reference', () => {
  it("renders the README's guides (docs/*.md) as pages and links the README's mentions of them there", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const guide of GUIDES) {
      expect(readme).toContain(`](docs/${guide}.md)`);
      const page = readFileSync(join(out, 'documents', `${guide}.html`), 'utf8');
      const heading = readFileSync(join(ROOT, 'docs', `${guide}.md`), 'utf8').match(/^# (.+)$/m)![1]!;
      expect(page).toContain(heading.replaceAll("'", '&#39;').split(':')[0]);
    }
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    for (const guide of GUIDES) expect(index).toContain(`href="documents/${guide}.html"`);
    // No guide is copied as a raw Markdown file for the browser to show as text.
    expect(readdirSync(join(out, 'media')).filter((file) => file.endsWith('.md'))).toEqual([]);
  });

  it('refers its icons to the sprite inside each page, not to another file', () => {
    const pages = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(50);
    expect(pages.filter((page) => readFileSync(join(out, page), 'utf8').includes('icons.svg#'))).toEqual([]);
    expect(existsSync(join(out, 'assets/icons.js'))).toBe(true);
  });
});

describe.skipIf(missing(CHROMIUM))('the API reference opened from disk in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(() => browser?.close());

  for (const page of ['index.html', 'documents/results.html', 'functions/tfjs-fashion-mnist.buildMiniVGGNet.html']) {
    it(`shows ${page} with its icons and no refused load`, async () => {
      const tab = await browser.newPage();
      const problems: string[] = [];
      tab.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
      tab.on('requestfailed', (request) => void problems.push(`${request.url()}: ${request.failure()?.errorText}`));
      await tab.goto(pathToFileURL(join(out, page)).href, { waitUntil: 'load' });
      // icons.js adds the sprite; the search button's icon then has a size.
      await tab.waitForFunction(() => document.querySelector('svg #icon-search') !== null);
      const size = await tab.evaluate(() => {
        const box = document.querySelector<SVGGraphicsElement>('#tsd-search-trigger svg use, #tsd-search svg use')?.getBBox();
        return box ? box.width * box.height : 0;
      });
      expect(size).toBeGreaterThan(0);
      expect(problems).toEqual([]);
      await tab.close();
    });
  }
});
