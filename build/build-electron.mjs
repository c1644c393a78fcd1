#!/usr/bin/env node
/**
 * Bundles the Electron main process and preload into dist/electron/*.cjs (CommonJS, as Electron
 * loads them). Only our own code is bundled: npm packages stay external and are required from
 * node_modules inside the app archive (electron-builder packs the production dependencies), so
 * @ffmpeg-installer keeps resolving its binary by path. The sandboxed preload may require nothing
 * but 'electron', so it is bundled whole.
 */
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
};

await Promise.all([
  build({
    ...common,
    entryPoints: ['electron/main/main.ts'],
    outfile: 'dist/electron/main.cjs',
    target: 'node22',
    packages: 'external',
    external: ['electron'],
    // The engine uses import.meta.url (createRequire, file paths); give it the bundle's own URL.
    define: { 'import.meta.url': '__cutlineImportMetaUrl' },
    banner: { js: "const __cutlineImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  }),
  build({
    ...common,
    entryPoints: ['electron/preload/preload.ts'],
    outfile: 'dist/electron/preload.cjs',
    target: 'chrome130',
    external: ['electron'],
  }),
]);
console.log('built dist/electron/main.cjs and dist/electron/preload.cjs');
