import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HUB_ENDPOINT, resolveHubEndpoint } from './endpoint';
import { SettingsStore } from './settings';

describe('resolveHubEndpoint', () => {
  it('takes the setting, then HF_ENDPOINT, then the Hub, without a trailing slash', () => {
    expect(resolveHubEndpoint('http://127.0.0.1:8999/', { HF_ENDPOINT: 'https://mirror.example' })).toBe('http://127.0.0.1:8999');
    expect(resolveHubEndpoint(undefined, { HF_ENDPOINT: 'https://mirror.example/' })).toBe('https://mirror.example');
    expect(resolveHubEndpoint('  ', {})).toBe(DEFAULT_HUB_ENDPOINT);
  });

  it('refuses what is not an http(s) URL, saying what to use', () => {
    expect(() => resolveHubEndpoint('huggingface.co', {})).toThrow(/not a valid Hub endpoint URL/);
    expect(() => resolveHubEndpoint('file:///tmp/hub', {})).toThrow(/must be an http\(s\) URL/);
  });
});

describe('SettingsStore', () => {
  it('keeps the chosen endpoint in the data folder, normalised, across instances', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hub-publisher-settings-'));
    try {
      const env = { HF_ENDPOINT: 'https://mirror.example' };
      expect(await new SettingsStore(dir, env).hubEndpoint()).toBe('https://mirror.example');
      await new SettingsStore(dir, env).update({ hubEndpoint: 'http://127.0.0.1:8999/' });
      expect(await new SettingsStore(dir, env).hubEndpoint()).toBe('http://127.0.0.1:8999');
      expect(JSON.parse(await readFile(path.join(dir, 'settings.json'), 'utf8'))).toEqual({ hubEndpoint: 'http://127.0.0.1:8999' });
      await expect(new SettingsStore(dir, env).update({ hubEndpoint: 'nope' })).rejects.toThrow(/not a valid/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
