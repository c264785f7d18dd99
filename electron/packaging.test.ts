import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Packaging downloads Electron and cannot run here; this keeps its configuration valid against
// electron-builder's own schema and checks what the installers ship, so release CI does not find it first.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
interface PackageJson {
  homepage?: string;
  repository?: { url: string };
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
  build: Record<string, unknown> & {
    files: string[];
    linux: { target: string[]; icon: string };
    mac: { target: string[]; icon: string };
    win: { target: string[]; icon: string };
    deb?: { depends?: string[] };
    npmRebuild?: boolean;
  };
}
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
const require = createRequire(import.meta.url);
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(config: unknown, logger: { isEnabled: boolean; add(): void }): Promise<void>;
};

/** Every bare module the main process and the CLI import (not tests, not the renderer). */
function mainProcessImports(): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$|stand-in|test-keychains/.test(entry.name)) {
        const source = readFileSync(file, 'utf8');
        for (const [, spec] of source.matchAll(/(?:from|import\(|require\()\s*'([^'.][^']*)'/g)) {
          const name = spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!;
          if (!name.startsWith('node:') && !builtinModules.includes(name)) found.add(name);
        }
      }
    }
  };
  walk(path.join(root, 'electron'));
  walk(path.join(root, 'shared'));
  return found;
}

describe('electron-builder configuration', () => {
  it('passes electron-builder validation', async () => {
    await expect(validateConfiguration(pkg.build, { isEnabled: false, add() {} })).resolves.toBeUndefined();
  });

  it('rejects a misspelt option, so the check above can fail', async () => {
    await expect(
      validateConfiguration({ ...pkg.build, linnux: {} }, { isEnabled: false, add() {} }),
    ).rejects.toThrow();
  });

  it('builds AppImage and deb, dmg and NSIS, with the metadata the deb target requires', () => {
    expect(pkg.build.linux.target).toEqual(['AppImage', 'deb']);
    expect(pkg.build.mac.target).toEqual(['dmg']);
    expect(pkg.build.win.target).toEqual(['nsis']);
    // app-builder-lib FpmTarget.computeFpmMetaInfoOptions: "Please specify project homepage".
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
  });

  it("keeps electron-builder's deb dependencies (GTK, NSS, libsecret, …): deb.depends would replace them", () => {
    // app-builder-lib FpmTarget.getDefaultDepends('deb') already lists libsecret-1-0.
    expect(pkg.build.deb?.depends).toBeUndefined();
  });

  it('ships a 1024x1024 8-bit RGBA icon, also used by the window', () => {
    for (const icon of [pkg.build.linux.icon, pkg.build.mac.icon, pkg.build.win.icon])
      expect(icon).toBe('build/icon.png');
    const png = readFileSync(path.join(root, 'build/icon.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect({
      width: png.readUInt32BE(16),
      height: png.readUInt32BE(20),
      bitDepth: png[24],
      colourType: png[25],
    }).toEqual({
      width: 1024,
      height: 1024,
      bitDepth: 8,
      colourType: 6,
    });
    expect(statSync(path.join(root, 'build/icon.png')).size).toBeLessThan(200_000);
    // electron/main.ts loads it from next to dist-electron at run time.
    expect(pkg.build.files).toContain('build/icon.png');
    expect(readFileSync(path.join(root, 'electron/main.ts'), 'utf8')).toContain("'build', 'icon.png'");
  });

  it('ships only what the main process and the CLI import at run time', () => {
    const runtime = { ...pkg.dependencies, ...pkg.optionalDependencies };
    const imports = mainProcessImports();
    imports.delete('electron');
    for (const name of imports)
      expect(Object.keys(runtime), `${name} is imported by the main process`).toContain(name);
    for (const name of Object.keys(pkg.dependencies)) {
      if (name !== 'undici')
        expect([...imports], `${name} is in dependencies but never imported`).toContain(name);
    }
    // Bundled into dist/renderer by Vite, or only for building/running from source: never in app.asar.
    for (const name of [
      'react',
      'react-dom',
      'recharts',
      '@uiw/react-codemirror',
      'react-markdown',
      'tsx',
      'electron',
    ]) {
      expect(Object.keys(runtime)).not.toContain(name);
    }
  });

  it('keeps keytar optional, and needs no rebuild for Electron because it is an N-API addon', () => {
    expect(pkg.optionalDependencies?.keytar).toBeDefined();
    expect(pkg.dependencies.keytar).toBeUndefined();
    const keytar = JSON.parse(readFileSync(require.resolve('keytar/package.json'), 'utf8')) as {
      binary?: { napi_versions?: number[] };
    };
    // prebuild-install fetches the napi build; Node and Electron load the same binary.
    expect(keytar.binary?.napi_versions).toEqual([3]);
    expect(pkg.build.npmRebuild).toBe(false);
  });

  it('installs with no install scripts on npm 10 and 11 (npm 10 ignores allowScripts)', () => {
    const npmrc = readFileSync(path.join(root, '.npmrc'), 'utf8');
    expect(npmrc).toMatch(/^ignore-scripts=true$/m);
    expect(existsSync(path.join(root, 'scripts/start.mjs'))).toBe(true);
  });
});
