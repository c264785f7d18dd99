/** The token kept with Electron's safeStorage where keytar does not load. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createSafeStorageKeychain,
  describeSafeStorage,
  SAFE_STORAGE_TOKEN_FILE,
  type SafeStorageLike,
} from './safe-storage';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hub-publisher-safe-storage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TOKEN = 'hf_' + 'safeStorageTokenForTheTest0123456789';

/**
 * Behaves as docs/api/safe-storage.md (Electron v41.7.1) says: encryptString returns a Buffer,
 * decryptString "will throw an error if decryption fails", getSelectedStorageBackend() is Linux-only and
 * returns `basic_text` when no secret store is recognised. The XOR is only so the bytes differ from the text.
 */
function safeStorage(backend: string, available = true): SafeStorageLike {
  const key = 0x5a;
  return {
    isEncryptionAvailable: () => available,
    encryptString: (text) => Buffer.concat([Buffer.from('v11'), Buffer.from(text).map((b) => b ^ key)]),
    decryptString: (data) => {
      if (data.subarray(0, 3).toString() !== 'v11')
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(data.subarray(3).map((b) => b ^ key)).toString();
    },
    getSelectedStorageBackend: () => backend,
  };
}

describe('safeStorage token store', () => {
  it('saves encrypted, owner-only, loads and forgets', async () => {
    const dir = path.join(tmp, 'a');
    const keychain = createSafeStorageKeychain(safeStorage('gnome_libsecret'), dir);
    expect(await keychain.load()).toBeNull();
    await keychain.save(TOKEN);
    const file = path.join(dir, SAFE_STORAGE_TOKEN_FILE);
    expect(readFileSync(file).toString()).not.toContain(TOKEN);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await keychain.load()).toBe(TOKEN);
    expect(await keychain.forget()).toBe(true);
    expect(await keychain.forget()).toBe(false);
    expect(await keychain.load()).toBeNull();
  });

  it('says plainly when Linux basic_text leaves the token unprotected', async () => {
    const basic = describeSafeStorage(safeStorage('basic_text'), 'linux');
    expect(basic.protected).toBe(false);
    expect(basic.backend).toContain('basic_text');
    expect(basic.note).toMatch(/not protected/);
    expect(describeSafeStorage(safeStorage('kwallet6'), 'linux')).toMatchObject({
      protected: true,
      note: null,
    });
    expect(describeSafeStorage(safeStorage('unknown'), 'darwin')).toMatchObject({
      protected: true,
      backend: expect.stringContaining('macOS Keychain'),
    });
    const keychain = createSafeStorageKeychain(safeStorage('basic_text'), path.join(tmp, 'b'));
    if (process.platform === 'linux') expect((await keychain.storage!()).protected).toBe(false);
  });

  it('is unavailable (session only) when encryption is not, and asks to sign in again when the key changed', async () => {
    const dir = path.join(tmp, 'c');
    await expect(
      createSafeStorageKeychain(safeStorage('basic_text', false), dir).save(TOKEN),
    ).rejects.toMatchObject({
      code: 'KEYCHAIN_UNAVAILABLE',
    });
    const keychain = createSafeStorageKeychain(safeStorage('gnome_libsecret'), dir);
    await keychain.save(TOKEN);
    writeFileSync(path.join(dir, SAFE_STORAGE_TOKEN_FILE), 'garbage');
    await expect(keychain.load()).rejects.toMatchObject({
      code: 'KEYCHAIN_UNAVAILABLE',
      message: expect.stringMatching(/Sign in again/),
    });
  });
});
