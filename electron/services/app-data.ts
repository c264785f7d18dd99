/**
 * Where the app keeps its own files (evaluation cache, hash cache, publish receipts, settings): never in
 * the user's workspace. Electron passes `app.getPath('userData')`; the CLI uses the same folder by
 * convention, so both share caches. `HUB_PUBLISHER_DATA_DIR` overrides it (scripts, CI, tests).
 */
import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HUB_PUBLISHER_DATA_DIR) return env.HUB_PUBLISHER_DATA_DIR;
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
