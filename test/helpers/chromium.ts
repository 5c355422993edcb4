// How the browser test and the Chromium benchmark start Debian's Chromium through playwright-core.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

// No sandbox (CI runs as root), no GPU, and none of Chromium's own network traffic, which this
// machine's closed network refuses; a fresh profile each launch.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Starts Chromium; `webgpu` turns on its WebGPU, which Linux builds keep off: on a machine without a
 * GPU it runs on SwiftShader, Chromium's software adapter (pages on localhost, a secure context).
 */
export function launchChromium(options: { webgpu?: boolean } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: options.webgpu ? [...ARGS, '--enable-unsafe-webgpu'] : ARGS });
}
