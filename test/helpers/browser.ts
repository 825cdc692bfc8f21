import { mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where tests leave screenshots and measurements for a person to look at (not committed). */
export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

/**
 * Debian's Chromium, headless, driven by playwright-core. The flags keep it off the network it cannot reach
 * here (background updates, sync) and let it run as root.
 */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export function artifactPath(name: string): string {
  return new URL(name, ARTIFACTS).pathname;
}
