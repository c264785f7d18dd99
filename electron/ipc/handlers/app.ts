import { AppError } from '../../../shared/result';
import { isAllowedExternalUrl } from '../../security';
import { resolveHubEndpoint } from '../../services/endpoint';
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
    const current = await settings.hubEndpoint();
    let next: string;
    try {
      next = resolveHubEndpoint(hubEndpoint, {});
    } catch (err) {
      throw new AppError('INVALID_ARGUMENT', (err as Error).message);
    }
    if (next !== current) {
      // The token and links follow the endpoint, so only the user, in a dialog the page cannot draw or
      // click, may move it.
      const confirmed = await platform.confirm({
        title: 'Change the Hub endpoint?',
        message: `Talk to ${next} instead of ${current}?`,
        detail:
          'Publishing, sign-in and links will use the new endpoint. A token you saved for the current endpoint is not sent there: you sign in again for it.',
        confirmLabel: 'Change endpoint',
      });
      if (!confirmed) throw new AppError('NOT_CONFIRMED', `The Hub endpoint stays ${current}.`);
    }
    await settings.update({ hubEndpoint: next });
    return { hubEndpoint: await settings.hubEndpoint() };
  });
}
