/**
 * Debian's Chromium driven by playwright-core, as every browser test here starts it: flags that
 * keep it off the (closed) network, loopback allowed for WebRTC, and a page that records console
 * errors so a test can assert there were none.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

export const CHROMIUM_BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // The engine's WebRTC endpoints are on loopback, the only interface here (DESIGN.md, WebRTC).
  '--allow-loopback-in-peer-connection',
];

export interface DeskBrowser {
  browser: Browser;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  consoleErrors: string[];
}

/** A headless Chromium with one page the size of a small laptop screen (the desk's target). */
export async function launchDesk(viewport = { width: 1366, height: 768 }): Promise<DeskBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_BASE_ARGS });
  const page = await browser.newPage({ viewport });
  const consoleErrors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  return { browser, page, consoleErrors };
}
