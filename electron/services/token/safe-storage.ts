/**
 * Where keytar does not load (it is an optional dependency: no prebuilt binary and no compiler, or a
 * platform it does not support), the app keeps the token encrypted with Electron's `safeStorage` in its
 * own data folder. Plain Node: main passes Electron's `safeStorage` object in.
 *
 * What protects the file depends on the platform (docs/api/safe-storage.md in Electron): a key in the
 * macOS Keychain, Windows DPAPI, or on Linux the secret store `getSelectedStorageBackend()` names; there
 * `basic_text` means a hard-coded password, so the token is NOT protected and the status says so.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeychainStorage } from '../../../shared/ipc/contract';
import { AppError } from '../../../shared/result';
import { setKeychainFallback, type Keychain } from './keychain';

/** The parts of Electron's `safeStorage` used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
}

export const SAFE_STORAGE_TOKEN_FILE = 'token.safe-storage';

/** What holds the encryption key, for the user: which backend and whether it protects anything. */
export function describeSafeStorage(
  storage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform,
): KeychainStorage {
  if (platform === 'darwin')
    return {
      kind: 'safe-storage',
      backend: 'macOS Keychain (Electron safeStorage)',
      protected: true,
      note: null,
    };
  if (platform === 'win32')
    return {
      kind: 'safe-storage',
      backend: 'Windows DPAPI (Electron safeStorage)',
      protected: true,
      note: null,
    };
  const backend = storage.getSelectedStorageBackend?.() ?? 'unknown';
  if (backend === 'basic_text' || backend === 'unknown') {
    return {
      kind: 'safe-storage',
      backend: `${backend} (Electron safeStorage)`,
      protected: false,
      note:
        'No secret store (GNOME Keyring or KWallet) was found, so a saved token is written to the app folder ' +
        'encrypted with a fixed key: it is not protected from other programs running as you. Run a keyring ' +
        'service and save the token again to protect it.',
    };
  }
  return { kind: 'safe-storage', backend: `${backend} (Electron safeStorage)`, protected: true, note: null };
}

/** A `Keychain` over one encrypted file in `dataDir`. */
export function createSafeStorageKeychain(storage: SafeStorageLike, dataDir: string): Keychain {
  const file = path.join(dataDir, SAFE_STORAGE_TOKEN_FILE);
  const requireEncryption = () => {
    if (!storage.isEncryptionAvailable()) {
      throw new AppError(
        'KEYCHAIN_UNAVAILABLE',
        'Neither the system keychain nor Electron safeStorage can be used. The token will be kept for this session only.',
      );
    }
  };
  return {
    async save(token) {
      requireEncryption();
      await mkdir(dataDir, { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, storage.encryptString(token), { mode: 0o600 });
      await chmod(temporary, 0o600);
      await rename(temporary, file);
    },
    async load() {
      requireEncryption();
      let encrypted: Buffer;
      try {
        encrypted = await readFile(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new AppError(
          'KEYCHAIN_UNAVAILABLE',
          `The saved token file cannot be read (${(err as Error).message}).`,
        );
      }
      try {
        return storage.decryptString(encrypted);
      } catch {
        // Encrypted under another key (another user, a reset keyring): unusable, so sign in again.
        throw new AppError(
          'KEYCHAIN_UNAVAILABLE',
          'The saved token can no longer be decrypted (the keyring changed). Sign in again to replace it.',
        );
      }
    },
    async forget() {
      try {
        await rm(file);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    },
    storage: async () => describeSafeStorage(storage),
  };
}

/** Called once by the main process: keychains fall back to safeStorage where keytar cannot load. */
export function useSafeStorageWhereKeytarFails(storage: SafeStorageLike, dataDir: string): void {
  setKeychainFallback(() => createSafeStorageKeychain(storage, dataDir));
}
