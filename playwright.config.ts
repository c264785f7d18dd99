import { defineConfig } from '@playwright/test';

/**
 * Two projects:
 * - `browser`: the built renderer in Debian's Chromium, served by the test bridge with the real handlers,
 *   services and local Hub behind it.
 * - `electron`: the packaged app through Playwright's `_electron`; skips with a printed reason where the
 *   Electron binary is not installed.
 * Browsers are never downloaded: Chromium comes from the system (CHROMIUM_PATH or /usr/bin/chromium).
 */
export default defineConfig({
  // One build for every spec: the browser specs serve dist/renderer, the Electron specs launch dist-electron.
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'test-results',
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 2,
  projects: [
    {
      name: 'browser',
      testDir: 'e2e/specs',
      use: {
        browserName: 'chromium',
        viewport: { width: 1280, height: 800 },
        screenshot: 'only-on-failure',
        trace: 'retain-on-failure',
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
    { name: 'electron', testDir: 'e2e/electron' },
  ],
});
