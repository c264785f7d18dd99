/** The app's data folder: the CLI's rule (`HUB_PUBLISHER_DATA_DIR`, else the platform folder). */
import { dataDirOverride } from '../services/app-data';

/** `HUB_PUBLISHER_DATA_DIR` when set, else Electron's `app.getPath('userData')`. */
export function appDataDir(env: NodeJS.ProcessEnv, userData: string): string {
  return dataDirOverride(env) ?? userData;
}
