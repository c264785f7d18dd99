import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Playwright specs (e2e/specs, e2e/electron) run under Playwright, never under vitest.
    include: [
      'shared/**/*.test.ts',
      'electron/**/*.test.ts',
      'e2e/local-hub/**/*.test.ts',
      'e2e/integration/**/*.test.ts',
      // The renderer's own logic and stores; files that need a DOM say so with `// @vitest-environment happy-dom`.
      'renderer/**/*.test.{ts,tsx}',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests that spawn `hub-publisher` run the built bin, so build it from the current sources first.
    globalSetup: ['scripts/build-cli.mjs'],
  },
});
