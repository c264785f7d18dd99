// Finds the Electron binary, or explains in one sentence how to get it.
import { createRequire } from 'node:module';

export function electronBinary() {
  try {
    // The `electron` package exports the path of its binary and throws when the binary was never downloaded.
    return createRequire(import.meta.url)('electron');
  } catch {
    return null;
  }
}

export const MISSING_ELECTRON =
  'The Electron binary is not installed (it is downloaded by `npm install` unless ELECTRON_SKIP_BINARY_DOWNLOAD is set): run `node node_modules/electron/install.js` on a machine that can reach GitHub, then try again.';
