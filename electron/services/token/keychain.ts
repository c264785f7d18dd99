/**
 * The OS keychain through keytar. Every failure of the keychain itself (no Secret Service on Linux, no
 * D-Bus, a native module that did not build) becomes KEYCHAIN_UNAVAILABLE with a plain message, so callers
 * can fall back to keeping the token for this session only. keytar fails fast without a Secret Service,
 * but a wedged D-Bus could still block: a deadline turns that into the same error instead of a hang.
 */
import type { KeychainStorage } from '../../../shared/ipc/contract';
import { AppError } from '../../../shared/result';

export const KEYCHAIN_SERVICE = 'Hub Publisher';
export const KEYCHAIN_ACCOUNT = 'huggingface-token';

interface KeytarLike {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export interface Keychain {
  save(token: string): Promise<void>;
  load(): Promise<string | null>;
  /** Resolves true when a token was stored and is now removed. */
  forget(): Promise<boolean>;
  /** What keeps the token (for the account status); absent for test keychains. */
  storage?(): Promise<KeychainStorage>;
}

export interface KeychainOptions {
  /** Tests use their own service name so real credentials are never touched. */
  service?: string;
  account?: string;
  /** Injected keytar (tests, or an app that loads it differently). */
  keytar?: KeytarLike;
  timeoutMs?: number;
}

let keytarModule: Promise<KeytarLike> | null = null;

/**
 * keytar is an optional dependency, loaded on first use: a machine without its binary (no prebuilt
 * download, no compiler) still installs and runs. keytar 7.9 is an N-API (v3) addon, so the same binary
 * loads in Node (the CLI) and in Electron without a rebuild.
 */
async function loadKeytar(): Promise<KeytarLike> {
  keytarModule ??= import('keytar').then((m) => (m.default ?? m) as KeytarLike);
  return keytarModule;
}

let fallbackFactory: (() => Keychain) | null = null;

/**
 * Where keytar cannot load, keychains made by `createKeychain` use the fallback instead (the app sets
 * Electron's safeStorage; the CLI sets none, so its token lives for the run only).
 */
export function setKeychainFallback(factory: (() => Keychain) | null): void {
  fallbackFactory = factory;
}

const KEYTAR_STORAGE: KeychainStorage = {
  kind: 'keychain',
  backend:
    process.platform === 'darwin'
      ? 'macOS Keychain'
      : process.platform === 'win32'
        ? 'Windows Credential Manager'
        : 'Secret Service (GNOME Keyring or KWallet)',
  protected: true,
  note: null,
};

const UNAVAILABLE_HINT =
  'The token will be kept for this session only. To remember it, run a keyring service (GNOME Keyring or ' +
  'KWallet on Linux) and save it again, or set HF_TOKEN.';

export function keychainUnavailable(detail: string, moduleMissing = false): AppError {
  if (moduleMissing) {
    // keytar is optional: installs without a prebuilt binary or a compiler simply do not have it.
    return new AppError(
      'KEYCHAIN_UNAVAILABLE',
      'The keychain module (keytar, optional) is not installed on this machine. ' +
        'A token is used for this run only; set HF_TOKEN, or run `npm start` once to fetch keytar.',
    );
  }
  const reason = /dbus|d-bus|secret|x11|\$DISPLAY|org\.freedesktop/i.test(detail)
    ? 'No keychain service is running (no Secret Service on the D-Bus session).'
    : `The system keychain cannot be used (${detail.split('\n')[0]}).`;
  return new AppError('KEYCHAIN_UNAVAILABLE', `${reason} ${UNAVAILABLE_HINT}`);
}

export function createKeychain(options: KeychainOptions = {}): Keychain {
  const service = options.service ?? KEYCHAIN_SERVICE;
  const account = options.account ?? KEYCHAIN_ACCOUNT;
  const timeoutMs = options.timeoutMs ?? 10_000;

  let fallback: Keychain | null = null;

  async function keytarOrFallback(): Promise<KeytarLike | Keychain> {
    if (options.keytar) return options.keytar;
    try {
      return await loadKeytar();
    } catch (err) {
      if (fallbackFactory) return (fallback ??= fallbackFactory());
      throw keychainUnavailable(
        `keytar could not load: ${err instanceof Error ? err.message : String(err)}`,
        true,
      );
    }
  }

  async function run<T>(
    op: (k: KeytarLike) => Promise<T>,
    onFallback: (k: Keychain) => Promise<T>,
  ): Promise<T> {
    const loaded = await keytarOrFallback();
    if (!('getPassword' in loaded)) return onFallback(loaded);
    const keytar = loaded;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(keychainUnavailable('the keychain did not answer in time')), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([op(keytar), deadline]);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw keychainUnavailable(err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    save: (token) =>
      run(
        (k) => k.setPassword(service, account, token),
        (f) => f.save(token),
      ),
    load: () =>
      run(
        (k) => k.getPassword(service, account),
        (f) => f.load(),
      ),
    forget: () =>
      run(
        (k) => k.deletePassword(service, account),
        (f) => f.forget(),
      ),
    storage: async () => {
      const loaded = await keytarOrFallback().catch(() => null);
      if (loaded && !('getPassword' in loaded)) return (await loaded.storage?.()) ?? KEYTAR_STORAGE;
      return KEYTAR_STORAGE;
    },
  };
}
