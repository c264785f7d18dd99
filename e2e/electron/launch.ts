/**
 * How the Electron specs start the real app: the bundles built once by Playwright's globalSetup, a
 * throwaway user-data and data folder, and never the developer's keychain entry, token files or Hub.
 */
import { _electron as electron, type ElectronApplication } from '@playwright/test';
import path from 'node:path';
import { electronBinary, MISSING_ELECTRON } from '../../scripts/electron-binary.mjs';
import { probeLinuxSandbox, sandboxAdvice } from '../../scripts/linux-sandbox.mjs';

export const binary = electronBinary();
export { MISSING_ELECTRON };

export interface LaunchOptions {
  /** A folder of the spec's own; user data, the app's data folder and token files live under it. */
  tmp: string;
  /** The Hub the app talks to; by default an address nothing listens on, never huggingface.co. */
  hubEndpoint?: string;
  keychainService: string;
}

export function launchApp({
  tmp,
  hubEndpoint = 'http://127.0.0.1:9',
  keychainService,
}: LaunchOptions): Promise<ElectronApplication> {
  const args = ['.', `--user-data-dir=${path.join(tmp, 'user-data')}`];
  if (process.platform === 'linux') args.push(...(sandboxAdvice(probeLinuxSandbox(binary!))?.args ?? []));
  return electron.launch({
    executablePath: binary!,
    args,
    env: {
      ...process.env,
      HUB_PUBLISHER_DATA_DIR: path.join(tmp, 'app-data'),
      HUB_PUBLISHER_KEYCHAIN_SERVICE: keychainService,
      HF_ENDPOINT: hubEndpoint,
      HF_HOME: path.join(tmp, 'hf-home'),
      HF_TOKEN_PATH: path.join(tmp, 'hf-home', 'token'),
      HF_TOKEN: '',
    },
  });
}
