import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/result';
import {
  createKeychain,
  describeAccount,
  forgetToken,
  huggingFaceTokenPath,
  requireWriteAccess,
  resolveToken,
  saveToken,
  SessionTokenStore,
} from './index';
import { memoryKeychain, unavailableKeychain } from './test-keychains';

const T = (c: string) => 'hf_' + c.repeat(34);



describe('resolveToken', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'token-'));
    await mkdir(path.join(dir, 'ws'));
    await mkdir(path.join(dir, 'hfhome'));
    await writeFile(path.join(dir, 'ws', 'hf_token.txt'), `  ${T('w')}\n\n`);
    await writeFile(path.join(dir, 'hfhome', 'token'), T('h'));
    await writeFile(path.join(dir, 'given.txt'), `${T('g')}\n`);
    env = { HF_HOME: path.join(dir, 'hfhome'), HF_TOKEN: T('e') };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('tries the sources in the documented order and says which one it used', async () => {
    const keychain = memoryKeychain(T('k'));
    const base = { env, keychain, workspaceRoot: path.join(dir, 'ws') };
    expect(
      await resolveToken({ ...base, explicit: ` ${T('x')} `, tokenFile: path.join(dir, 'given.txt') }),
    ).toMatchObject({
      token: T('x'),
      source: 'explicit',
    });
    expect(await resolveToken({ ...base, tokenFile: path.join(dir, 'given.txt') })).toMatchObject({
      token: T('g'),
      source: 'token-file',
    });
    expect(await resolveToken(base)).toMatchObject({ token: T('k'), source: 'keychain' });
    keychain.value = null;
    expect(await resolveToken(base)).toMatchObject({ token: T('e'), source: 'env' });
    expect(await resolveToken({ ...base, env: { HF_HOME: env.HF_HOME } })).toMatchObject({
      token: T('h'),
      source: 'hf-token-file',
    });
    expect(await resolveToken({ ...base, env: { HF_HOME: path.join(dir, 'nowhere') } })).toMatchObject({
      token: T('w'),
      source: 'workspace',
    });
  });

  it('reads HF_TOKEN_PATH before HF_HOME', () => {
    expect(huggingFaceTokenPath({ HF_TOKEN_PATH: '/a/b', HF_HOME: '/c' })).toBe('/a/b');
    expect(huggingFaceTokenPath({ HF_HOME: '/c' })).toBe(path.join('/c', 'token'));
    expect(huggingFaceTokenPath({ XDG_CACHE_HOME: '/x' })).toBe(path.join('/x', 'huggingface', 'token'));
  });

  it('falls through an unavailableKeychain keychain with a note, and uses the session token first', async () => {
    const r = await resolveToken({
      keychain: unavailableKeychain,
      env: { HF_TOKEN: T('e'), HF_HOME: path.join(dir, 'none') },
    });
    expect(r.source).toBe('env');
    // HF_TOKEN makes the keychain unnecessary: no note about it on every command.
    expect(r.notes).toEqual([]);
    const tokenFileHome = path.join(dir, 'hf-home-note');
    await mkdir(tokenFileHome, { recursive: true });
    await writeFile(path.join(tokenFileHome, 'token'), T('f'));
    const fromFile = await resolveToken({ keychain: unavailableKeychain, env: { HF_HOME: tokenFileHome } });
    expect(fromFile.source).toBe('hf-token-file');
    expect(fromFile.notes.join(' ')).toMatch(/keychain/i);
    const session = new SessionTokenStore();
    session.set(T('s'));
    expect(await resolveToken({ keychain: unavailableKeychain, session, env: {} })).toMatchObject({
      source: 'session',
      token: T('s'),
    });
  });

  it('says how to sign in when no token is anywhere', async () => {
    const err = await resolveToken({ keychain: null, env: { HF_HOME: path.join(dir, 'none') } }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('TOKEN_MISSING');
    expect(err.message).toMatch(/HF_TOKEN/);
    expect(err.message).toMatch(/write/i);
  });

  it('an empty --token-file is a missing token, not a silent fallback', async () => {
    await writeFile(path.join(dir, 'empty.txt'), '\n');
    const err = await resolveToken({ tokenFile: path.join(dir, 'empty.txt'), env }).catch((e) => e);
    expect(err.code).toBe('TOKEN_MISSING');
  });
});

describe('saving and forgetting', () => {
  it('keeps the token for this session when there is no keychain, and forgets it', async () => {
    const session = new SessionTokenStore();
    const saved = await saveToken(T('a'), { keychain: unavailableKeychain, session });
    expect(saved.storedIn).toBe('session');
    expect(saved.message).toMatch(/session only/);
    expect(session.get()).toBe(T('a'));
    expect(await forgetToken({ keychain: unavailableKeychain, session })).toBe(true);
    expect(session.get()).toBeNull();
  });

  it('saves to the keychain when there is one', async () => {
    const session = new SessionTokenStore();
    const keychain = memoryKeychain();
    expect((await saveToken(` ${T('b')} `, { keychain, session })).storedIn).toBe('keychain');
    expect(keychain.value).toBe(T('b'));
    expect(await forgetToken({ keychain, session })).toBe(true);
    expect(keychain.value).toBeNull();
  });

  it('turns a keytar D-Bus failure into KEYCHAIN_UNAVAILABLE with a plain message', async () => {
    const keychain = createKeychain({
      keytar: {
        getPassword: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
        setPassword: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
        deletePassword: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
      },
    });
    const err = await keychain.load().catch((e) => e);
    expect(err.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(err.message).toMatch(/No keychain service/);
    expect(err.message).not.toMatch(/X11/);
  });

  it('a keychain that never answers becomes KEYCHAIN_UNAVAILABLE instead of a hang', async () => {
    const never = () => new Promise<never>(() => undefined);
    const keychain = createKeychain({
      timeoutMs: 50,
      keytar: { getPassword: never, setPassword: never, deletePassword: never },
    });
    expect((await keychain.load().catch((e) => e)).code).toBe('KEYCHAIN_UNAVAILABLE');
  });
});

describe('account checks', () => {
  it('refuses a token that is not a Hugging Face token before any request', async () => {
    const err = await describeAccount('not-a-token', 'http://127.0.0.1:9', { source: 'explicit' }).catch(
      (e) => e,
    );
    expect(err.code).toBe('TOKEN_INVALID');
  });

  it('reports an unreachable Hub as a network problem', async () => {
    const err = await describeAccount(T('n'), 'http://127.0.0.1:9', { source: 'env' }).catch((e) => e);
    expect(err.code).toBe('NETWORK');
    expect(err.message).toMatch(/127\.0\.0\.1:9/);
    expect(err.message).not.toContain(T('n'));
  });

  it('refuses a read-only token with how to make a write token', () => {
    const account = {
      user: 'u',
      fullname: null,
      orgs: [],
      role: 'read' as const,
      canWrite: false,
      masked: 'hf_…abcd',
      source: 'env' as const,
    };
    let err: unknown;
    try {
      requireWriteAccess(account);
    } catch (e) {
      err = e;
    }
    expect((err as AppError).code).toBe('TOKEN_READ_ONLY');
    expect((err as AppError).message).toMatch(/settings\/tokens/);
  });
});

const run = promisify(execFile);
const REQUIRE = process.env.HUB_PUBLISHER_REQUIRE_KEYCHAIN === '1';

describe('the real OS keychain (keytar)', () => {
  // A service name of our own, so a developer's real credentials are never read or removed.
  const keychain = createKeychain({ service: `Hub Publisher tests ${process.pid}`, account: 'test-token' });
  let reason: string | null = null;

  beforeAll(async () => {
    try {
      await keychain.load();
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
  });

  it('round-trips a token and removes it on forget', async (ctx) => {
    if (reason) {
      if (REQUIRE)
        throw new Error(`HUB_PUBLISHER_REQUIRE_KEYCHAIN=1 but the keychain is unavailableKeychain: ${reason}`);
      console.warn(`[skip] keychain round-trip: no Secret Service reachable (${reason})`);
      ctx.skip();
    }
    const token = T('r');
    await keychain.save(token);
    expect(await keychain.load()).toBe(token);
    // A second instance (another app start) sees the same token.
    const again = createKeychain({ service: `Hub Publisher tests ${process.pid}`, account: 'test-token' });
    expect(await again.load()).toBe(token);
    expect(await keychain.forget()).toBe(true);
    expect(await keychain.load()).toBeNull();
    expect(await keychain.forget()).toBe(false);
  });

  it('without a Secret Service, keytar gives KEYCHAIN_UNAVAILABLE and the token stays in the session', async () => {
    // A child with no D-Bus session and no display: what a headless Linux box looks like.
    const script = `
      import { createKeychain, saveToken, SessionTokenStore } from ${JSON.stringify(path.resolve(__dirname, 'index.ts'))};
      const keychain = createKeychain({ service: 'Hub Publisher tests none', account: 'x' });
      const load = await keychain.load().then(() => 'ok', (e) => e.code);
      const session = new SessionTokenStore();
      const saved = await saveToken('hf_${'z'.repeat(34)}', { keychain, session });
      console.log(JSON.stringify({ load, storedIn: saved.storedIn, message: saved.message, kept: session.get() !== null }));
    `;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nokeychain-'));
    const file = path.join(dir, 'probe.mts');
    await writeFile(file, script);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: dir };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
      env,
      cwd: path.resolve(__dirname, '../../..'),
    });
    await rm(dir, { recursive: true, force: true });
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ load: 'KEYCHAIN_UNAVAILABLE', storedIn: 'session', kept: true });
    expect(out.message).toMatch(/session only/);
  });
});
