/**
 * The OS keychain through keytar. Every failure of the keychain itself (no Secret Service on Linux, no
 * D-Bus, a native module that did not build) becomes KEYCHAIN_UNAVAILABLE with a plain message, so callers
 * can fall back to keeping the token for this session only. keytar fails fast without a Secret Service,
 * but a wedged D-Bus could still block: a deadline turns that into the same error instead of a hang.
 */
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

async function loadKeytar(): Promise<KeytarLike> {
  keytarModule ??= import('keytar').then((m) => (m.default ?? m) as KeytarLike);
  return keytarModule;
}

const UNAVAILABLE_HINT =
  'The token will be kept for this session only. To remember it, run a keyring service (GNOME Keyring or ' +
  'KWallet on Linux) and save it again, or set HF_TOKEN.';

export function keychainUnavailable(detail: string): AppError {
  const reason = /dbus|d-bus|secret|x11|\$DISPLAY|org\.freedesktop/i.test(detail)
    ? 'No keychain service is running (no Secret Service on the D-Bus session).'
    : `The system keychain cannot be used (${detail.split('\n')[0]}).`;
  return new AppError('KEYCHAIN_UNAVAILABLE', `${reason} ${UNAVAILABLE_HINT}`);
}

export function createKeychain(options: KeychainOptions = {}): Keychain {
  const service = options.service ?? KEYCHAIN_SERVICE;
  const account = options.account ?? KEYCHAIN_ACCOUNT;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function run<T>(op: (k: KeytarLike) => Promise<T>): Promise<T> {
    let keytar: KeytarLike;
    try {
      keytar = options.keytar ?? (await loadKeytar());
    } catch (err) {
      throw keychainUnavailable(`keytar could not load: ${err instanceof Error ? err.message : String(err)}`);
    }
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
    save: (token) => run((k) => k.setPassword(service, account, token)),
    load: () => run((k) => k.getPassword(service, account)),
    forget: () => run((k) => k.deletePassword(service, account)),
  };
}
