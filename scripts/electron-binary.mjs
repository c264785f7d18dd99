// Finds the Electron binary, or explains in one sentence how to get it. `npm ci` never downloads it
// (package.json's allowScripts turns off electron's install script), so installing works offline and in
// CI; `npm start` fetches it on first use.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function electronBinary() {
  try {
    // The `electron` package exports the path of its binary and throws when the binary was never downloaded.
    return require('electron');
  } catch {
    return null;
  }
}

/** Downloads the binary with electron's own installer; true when it is there afterwards. */
export function downloadElectron() {
  const installer = require.resolve('electron/install.js');
  const { status } = spawnSync(process.execPath, [installer], { stdio: 'ignore', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' } });
  return status === 0 && electronBinary() !== null;
}

export const MISSING_ELECTRON =
  'The Electron binary is not installed and could not be downloaded: run `node node_modules/electron/install.js` (or `npm start`) on a machine that can reach GitHub, then try again.';
