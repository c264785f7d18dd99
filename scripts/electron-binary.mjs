// Finds the Electron binary, or explains in one sentence how to get it. `npm ci` never downloads it (the
// project's .npmrc turns install scripts off, on npm 10 and 11 alike), so installing works offline and in
// CI; `npm start` fetches it on first use with Electron's own installer, whose progress and errors show.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export function electronBinary() {
  try {
    // The `electron` package exports the path of its binary and throws when the binary was never downloaded.
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** Downloads the binary with electron's own installer, showing its output; true when it is there afterwards. */
export function downloadElectron() {
  const installer = require.resolve('electron/install.js');
  // electron/install.js exits at once when ELECTRON_SKIP_BINARY_DOWNLOAD is set (npm/install.js:14-16).
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  const { status } = spawnSync(process.execPath, [installer], { stdio: 'inherit', env });
  return status === 0 && electronBinary() !== null;
}

export const MISSING_ELECTRON =
  'The Electron binary is not installed and could not be downloaded: run `node node_modules/electron/install.js` (or `npm start`) on a machine that can reach GitHub, then try again.';

/** keytar's compiled addon, or null when it was never built or fetched (install scripts are off). */
export function keytarBinary() {
  try {
    const dir = path.dirname(require.resolve('keytar/package.json'));
    const file = path.join(dir, 'build', 'Release', 'keytar.node');
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

/**
 * Fetches keytar's prebuilt binary (N-API v3: the same file loads in Node and Electron) with its own
 * prebuild-install, never a compiler. False when keytar is absent or the download failed; the app then
 * keeps the token with Electron's safeStorage.
 */
export function downloadKeytar() {
  let dir;
  try {
    dir = path.dirname(require.resolve('keytar/package.json'));
  } catch {
    return false;
  }
  const prebuildInstall = createRequire(path.join(dir, 'package.json')).resolve('prebuild-install/bin.js');
  const { status } = spawnSync(process.execPath, [prebuildInstall], { cwd: dir, stdio: 'inherit' });
  return status === 0 && keytarBinary() !== null;
}
