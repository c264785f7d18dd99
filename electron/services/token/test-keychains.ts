/** Keychains for tests that are not about keytar itself: one in memory, one as a machine without a Secret Service. */
import { keychainUnavailable, type Keychain } from './keychain';

export function memoryKeychain(initial: string | null = null): Keychain & { value: string | null } {
  const k = {
    value: initial,
    async save(t: string) {
      k.value = t;
    },
    async load() {
      return k.value;
    },
    async forget() {
      const had = k.value !== null;
      k.value = null;
      return had;
    },
  };
  return k;
}

export const unavailableKeychain: Keychain = {
  save: () => Promise.reject(keychainUnavailable('org.freedesktop.DBus.Error.ServiceUnknown')),
  load: () => Promise.reject(keychainUnavailable('org.freedesktop.DBus.Error.ServiceUnknown')),
  forget: () => Promise.reject(keychainUnavailable('org.freedesktop.DBus.Error.ServiceUnknown')),
};
