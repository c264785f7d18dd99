/**
 * Where the app keeps its own files (evaluation cache, hash cache, publish receipts, settings): never in
 * the user's workspace. Electron passes `app.getPath('userData')`; the CLI uses the same folder by
 * convention, so both share caches. `HUB_PUBLISHER_DATA_DIR` overrides it (scripts, CI, tests).
 */
import os from 'node:os';
import path from 'node:path';

/** `HUB_PUBLISHER_DATA_DIR` when set: the app (electron/shell/data-dir.ts) and the CLI both honour it. */
export function dataDirOverride(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.HUB_PUBLISHER_DATA_DIR || null;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = dataDirOverride(env);
  if (override) return override;
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Hub Publisher');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Hub Publisher');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Hub Publisher');
  }
}
