/**
 * Wires the contract's channels to the services. Shared by the Electron main process and the browser
 * test bridge; only the platform pieces (how a folder is chosen) differ between them.
 */
import { scanWorkspace } from '../services/scan';
import { isAllowedExternalUrl } from '../security';
import { HandlerRegistry, type Emit } from './registry';

export interface AppServices {
  version: string;
  dataDir: string;
  hubEndpoint: string;
  /** Shows the platform's folder picker; null when the user cancels. */
  chooseFolder(): Promise<string | null>;
  /** Opens a URL in the system browser (already checked against the allow-list). */
  openExternal(url: string): Promise<void>;
}

export function createRegistry(emit: Emit, services: AppServices): HandlerRegistry {
  const registry = new HandlerRegistry(emit);

  registry.handle('app:info', async () => ({
    version: services.version,
    hubEndpoint: services.hubEndpoint,
    platform: process.platform,
  }));
  registry.handle('app:openExternal', async ({ url }) => {
    if (!isAllowedExternalUrl(url, services.hubEndpoint)) return false;
    await services.openExternal(url);
    return true;
  });
  registry.handle('workspace:choose', () => services.chooseFolder());

  registry.handleJob('workspace:scan', ({ root }, job) =>
    scanWorkspace(root, { signal: job.signal, onProgress: job.progress }),
  );

  return registry;
}
