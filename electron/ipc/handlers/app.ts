import { isAllowedExternalUrl } from '../../security';
import type { HandlerRegistry } from '../registry';
import type { HandlerContext } from './index';

export function registerAppHandlers(registry: HandlerRegistry, { platform, settings }: HandlerContext): void {
  registry.handle('app:info', async () => ({
    version: platform.version,
    hubEndpoint: await settings.hubEndpoint(),
    platform: process.platform,
  }));
  registry.handle('app:openExternal', async ({ url }) => {
    if (!isAllowedExternalUrl(url, await settings.hubEndpoint())) return false;
    await platform.openExternal(url);
    return true;
  });
  registry.handle('settings:get', async () => ({ hubEndpoint: await settings.hubEndpoint() }));
  registry.handle('settings:set', async ({ hubEndpoint }) => {
    await settings.update({ hubEndpoint });
    return { hubEndpoint: await settings.hubEndpoint() };
  });
}
