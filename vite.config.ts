/**
 * Builds the control surface (renderer/) into dist/renderer with relative asset paths, so the same
 * files load from the engine's HTTP server at `/` and from the desktop app's `app://` protocol.
 * Vitest has its own config (vitest.config.ts); this file keeps out of its way under VITEST.
 */
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** The dev server injects styles inline (hot reload); loosen the CSP for `vite serve` only. */
function devCsp(): Plugin {
  return {
    name: 'cutline-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  };
}

export default defineConfig({
  root: process.env.VITEST ? undefined : 'renderer',
  base: './',
  plugins: [react(), devCsp()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    // Source maps are served next to the bundle; no inline code, nothing eval'd (strict CSP).
    assetsInlineLimit: 0,
  },
  server: { port: 5173, strictPort: true },
});
