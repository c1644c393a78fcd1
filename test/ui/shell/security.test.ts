/** The CSP, which pages may talk to the engine, and what the app protocol will serve. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../../electron/main/csp.ts';
import { APP_ENTRY_URL, isTrustedUrl, mimeType, resolveAppFile } from '../../../electron/main/trust.ts';

describe('Content-Security-Policy', () => {
  const html = readFileSync('renderer/index.html', 'utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];

  it('index.html carries exactly the policy the main process sends', () => {
    expect(meta).toBe(contentSecurityPolicy('meta'));
  });

  it('allows no inline or eval’d script and no plugins', () => {
    for (const policy of [contentSecurityPolicy('meta'), contentSecurityPolicy('header')]) {
      expect(policy).not.toMatch(/unsafe-eval|unsafe-inline/);
      // No bare wildcard source ("*") anywhere.
      expect(policy).not.toMatch(/(^|\s)\*(\s|;|$)/);
      expect(policy).toMatch(/(^|; )default-src 'self'/);
      expect(policy).toMatch(/script-src 'self'(;|$)/);
      expect(policy).toMatch(/object-src 'none'/);
      expect(policy).toMatch(/connect-src 'self' ws: wss: http:\/\/127\.0\.0\.1:\*/);
    }
  });

  it('puts frame-ancestors only in the header (browsers ignore it in a meta tag, noisily)', () => {
    expect(contentSecurityPolicy('header')).toMatch(/frame-ancestors 'none'/);
    expect(contentSecurityPolicy('meta')).not.toMatch(/frame-ancestors/);
  });

  it('the built page loads its scripts from its own folder (base ./), nothing inline', () => {
    expect(html).toMatch(/<script type="module" src="\.\/src\/main\.tsx"><\/script>/);
    expect(html.match(/<script/g)).toHaveLength(1);
  });
});

describe('trusted senders', () => {
  it('trusts our app protocol and, in development only, the dev server', () => {
    expect(isTrustedUrl(APP_ENTRY_URL)).toBe(true);
    expect(isTrustedUrl('app://cutline/index.html#/x')).toBe(true);
    expect(isTrustedUrl('http://localhost:5173/')).toBe(false);
    expect(isTrustedUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });

  it.each(['app://evil/index.html', 'file:///tmp/index.html', 'https://cutline.example/', 'data:text/html,hi', 'about:blank', '', undefined])(
    'refuses %s',
    (url) => {
      expect(isTrustedUrl(url)).toBe(false);
    },
  );
});

describe('the app:// protocol', () => {
  const root = '/opt/cutline/dist/renderer';
  it('serves files inside the renderer folder, / as index.html', () => {
    expect(resolveAppFile('app://cutline/', root, join)).toBe(`${root}/index.html`);
    expect(resolveAppFile('app://cutline/assets/index-abc.js', root, join)).toBe(`${root}/assets/index-abc.js`);
    expect(mimeType('x/index-abc.js')).toBe('text/javascript; charset=utf-8');
  });

  it.each([
    'app://cutline/../../etc/passwd',
    'app://cutline/assets/%2e%2e/%2e%2e/secrets.json',
    'app://cutline/assets/..%2F..%2Fsecrets.json',
    'app://cutline/%5C..%5Csecrets.json',
    'app://cutline/C:/Windows/win.ini',
    'app://other/index.html',
    'file:///etc/passwd',
  ])('never serves %s', (url) => {
    const file = resolveAppFile(url, root, join);
    expect(file === undefined || (file.startsWith(`${root}/`) && !file.includes('..'))).toBe(true);
  });
});
