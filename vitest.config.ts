import { defineConfig } from 'vitest/config';

// Media end-to-end tests start real ffmpeg processes, servers and Chromium; on a 2-core machine
// they must not run in parallel or they measure each other. Files run one after another.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // A private TMPDIR per run, removed at the end: tests leave nothing in /tmp (see the file).
    globalSetup: ['test/globalSetup.ts'],
    reporters: ['default'],
  },
});
