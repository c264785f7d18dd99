/**
 * Wires the contract's channels to the services, one file per domain. Shared by the Electron main process
 * and the browser test bridge; only the platform pieces (folder picker, opening links) differ.
 *
 * The pieces every domain shares are built once here and passed in the context: the account session, the
 * hasher, the Hub client and the open workspace sessions.
 */
import { Hasher } from '../../services/hash';
import { HubClient } from '../../services/hub';
import type { SessionServices } from '../../services/session';
import { WorkspaceSessions } from '../../services/session/sessions';
import { SettingsStore } from '../../services/settings';
import type { Keychain } from '../../services/token';
import { HandlerRegistry, type Emit, type Sender } from '../registry';
import { AccountSession, registerAccountHandlers } from './account';
import { registerAppHandlers } from './app';
import { registerEvaluationHandlers } from './evaluation';
import { registerCardHandlers } from './card';
import { registerPublishHandlers } from './publish';
import { registerWorkspaceHandlers } from './workspace';
import { WorkspaceAccess } from './access';

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
  env: NodeJS.ProcessEnv;
  /** Workspaces the user opened and interpreters found or chosen. */
  access: WorkspaceAccess;
  /** The token and its account, for every session and the Account panel. */
  account: AccountSession;
  /** Every Hub request outside the byte transfer (which gets its `fetch`). */
  hub: HubClient;
  /** One per app: its cache lives in the data folder, so hashes made ahead are found by the plan and the upload. */
  hasher: Hasher;
  /** The open workspace sessions, one per window. */
  sessions: WorkspaceSessions;
}

export interface AppServicesOptions {
  platform: Platform;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** The fetch for Hub requests (Electron's `net.fetch`: system proxy and certificates); global fetch when unset. */
  fetch?: typeof fetch;
  /** The OS keychain; tests pass their own so real credentials are never touched. */
  keychain?: Keychain;
}

type Register = (registry: HandlerRegistry, context: HandlerContext) => void;

const domains: Register[] = [
  registerAppHandlers,
  registerWorkspaceHandlers,
  registerEvaluationHandlers,
  registerCardHandlers,
  registerAccountHandlers,
  registerPublishHandlers,
];

/** The shared pieces, built once; `registry` is told when a session closes so its jobs stop. */
export function createHandlerContext(
  options: AppServicesOptions,
  onSessionClosed: (sessionId: string, ownerId: string | null, reason: 'replaced' | 'closed') => void = () =>
    undefined,
): HandlerContext {
  const env = options.env ?? process.env;
  const settings = new SettingsStore(options.dataDir, env);
  const hub = new HubClient(() => settings.hubEndpoint(), options.fetch ?? globalThis.fetch);
  const account = new AccountSession({ settings, env, hub }, { keychain: options.keychain });
  const hasher = new Hasher({ dataDir: options.dataDir });
  const services: SessionServices = { dataDir: options.dataDir, env, hub, hasher, accounts: account };
  return {
    platform: options.platform,
    dataDir: options.dataDir,
    settings,
    env,
    access: new WorkspaceAccess(options.dataDir),
    account,
    hub,
    hasher,
    sessions: new WorkspaceSessions(services, (session, reason) =>
      onSessionClosed(session.id, session.ownerId, reason),
    ),
  };
}

export function createRegistry(
  emit: Emit,
  options: AppServicesOptions,
  only: readonly Register[] = domains,
): HandlerRegistry {
  let registry: HandlerRegistry | null = null;
  const context = createHandlerContext(options, (sessionId, ownerId, reason) => {
    registry?.cancelSession(sessionId);
    if (ownerId !== null) registry?.notify(ownerId, 'workspace:closed', { sessionId, reason });
  });
  registry = new HandlerRegistry(emit);
  // Every request naming a workspace session, a folder or an interpreter is checked in one place, before
  // any handler runs: a session only answers the window that opened it.
  registry.setGuard((_channel, args, sender) => guardRequest(context, args, sender));
  registry.onSenderGone((senderId) => context.sessions.closeAllOf(senderId));
  registry.onDispose(async () => {
    context.sessions.closeAll();
    await context.hasher.close();
  });
  for (const register of only) register(registry, context);
  return registry;
}

async function guardRequest(context: HandlerContext, args: unknown, sender: Sender): Promise<void> {
  if (typeof args !== 'object' || args === null) return;
  const { root, python, sessionId } = args as { root?: unknown; python?: unknown; sessionId?: unknown };
  if (typeof sessionId === 'string') context.sessions.require(sessionId, sender.id);
  if (typeof root === 'string') await context.access.requireWorkspace(root);
  if (typeof python === 'string') context.access.requireInterpreter(python);
}
