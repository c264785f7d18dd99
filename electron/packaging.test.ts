import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// Packaging downloads Electron and cannot run here; this keeps its configuration valid against
// electron-builder's own schema so release CI does not find a broken config first.
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  build: Record<string, unknown> & { linux: { target: string[]; icon: string }; mac: { target: string[] }; win: { target: string[] } };
};
const { validateConfiguration } = createRequire(import.meta.url)('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: { isEnabled: boolean; add(): void }): Promise<void>;
};

describe('electron-builder configuration', () => {
  it('passes electron-builder validation', async () => {
    await expect(validateConfiguration(pkg.build, { isEnabled: false, add() {} })).resolves.toBeUndefined();
  });

  it('rejects a misspelt option, so the check above can fail', async () => {
    await expect(validateConfiguration({ ...pkg.build, linnux: {} }, { isEnabled: false, add() {} })).rejects.toThrow();
  });

  it('builds AppImage and deb, dmg and NSIS, with resources that exist', () => {
    expect(pkg.build.linux.target).toEqual(['AppImage', 'deb']);
    expect(pkg.build.mac.target).toEqual(['dmg']);
    expect(pkg.build.win.target).toEqual(['nsis']);
    expect(existsSync(new URL(`../${pkg.build.linux.icon}`, import.meta.url))).toBe(true);
  });
});
