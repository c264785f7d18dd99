/**
 * Wires the contract's channels to the services, one file per domain. Shared by the Electron main process
 * and the browser test bridge; only the platform pieces (folder picker, opening links) differ.
 */
import { ScanCache } from '../../services/scan/cache';
import { SettingsStore } from '../../services/settings';
import { HandlerRegistry, type Emit } from '../registry';
import { registerAccountHandlers } from './account';
import { registerAppHandlers } from './app';
import { registerEvaluationHandlers } from './evaluation';
import { registerCardHandlers } from './card';
import { registerPublishHandlers } from './publish';
import { registerWorkspaceHandlers } from './workspace';
import { accessOf, WorkspaceAccess } from './access';

export interface Platform {
  version: string;
  /** Shows the platform's folder picker; null when the user cancels. */
  chooseFolder(): Promise<string | null>;
  /** Opens a URL in the system browser (already checked against the allow-list). */
  openExternal(url: string): Promise<void>;
  /** Asks the user in a native dialog, which the renderer cannot answer itself; true when confirmed. */
  confirm(request: {
    title: string;
    message: string;
    detail?: string;
    confirmLabel: string;
  }): Promise<boolean>;
  /** Shows the platform's file picker for a Python interpreter; null when the user cancels. */
  chooseInterpreter(): Promise<string | null>;
}

/** What every domain's handlers may use. */
export interface HandlerContext {
  platform: Platform;
  dataDir: string;
  settings: SettingsStore;
  /** The last scan of each workspace, shared by every domain. */
  scans: ScanCache;
  env: NodeJS.ProcessEnv;
  /** The fetch for Hub requests (Electron's `net.fetch`: system proxy and certificates); global fetch when unset. */
  fetch?: typeof fetch;
  /** Workspaces the user opened and interpreters found or chosen; created with the context when absent. */
  access?: WorkspaceAccess;
}

export interface AppServicesOptions {
  platform: Platform;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

const domains: ((registry: HandlerRegistry, context: HandlerContext) => void)[] = [
  registerAppHandlers,
  registerWorkspaceHandlers,
  registerEvaluationHandlers,
  registerCardHandlers,
  registerAccountHandlers,
  registerPublishHandlers,
];

export function createRegistry(emit: Emit, options: AppServicesOptions): HandlerRegistry {
  const env = options.env ?? process.env;
  const context: HandlerContext = {
    platform: options.platform,
    dataDir: options.dataDir,
    settings: new SettingsStore(options.dataDir, env),
    scans: new ScanCache(),
    env,
    fetch: options.fetch,
    access: new WorkspaceAccess(options.dataDir),
  };
  const registry = new HandlerRegistry(emit);
  // Every request naming a workspace or an interpreter is checked against what the user opened or chose,
  // in one place, before any handler runs.
  registry.setGuard((_channel, args) => guardRequest(accessOf(context), args));
  for (const register of domains) register(registry, context);
  return registry;
}

async function guardRequest(access: WorkspaceAccess, args: unknown): Promise<void> {
  if (typeof args !== 'object' || args === null) return;
  const { root, python } = args as { root?: unknown; python?: unknown };
  if (typeof root === 'string') await access.requireWorkspace(root);
  if (typeof python === 'string') access.requireInterpreter(python);
}
