/**
 * The account handlers through the registry, as the renderer calls them, against the local Hub: where the
 * token came from, whoami, keeping and forgetting, and that the token never comes back out.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AccountStatus } from '../../../shared/ipc/contract';
import type { Result } from '../../../shared/result';
import type { Keychain } from '../../services/token';
import { startLocalHub, type LocalHub } from '../../../e2e/local-hub';
import { HandlerRegistry } from '../registry';
import { registerAccountHandlers } from './account';
import { createHandlerContext } from './index';
import { memoryKeychain, unavailableKeychain } from '../../services/token/test-keychains';

const WRITE = 'hf_' + 'AliceWriteTokenForHandlerTestsAAAAA';
const READ = 'hf_' + 'AliceReadTokenForHandlerTestsAAAAAA';
const WRONG = 'hf_' + 'NobodyHasThisTokenAnywhereAAAAAAAAA';

let hub: LocalHub;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'account-handlers-'));
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [
      { name: 'alice', token: WRITE, role: 'write' },
      { name: 'alice-ro', token: READ, role: 'read' },
    ],
    orgs: [{ name: 'acme', members: ['alice'] }],
  });
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

let n = 0;
async function setup(keychain: Keychain) {
  const dir = path.join(work, `case-${++n}`);
  await mkdir(path.join(dir, 'hfhome'), { recursive: true });
  // No HF_TOKEN and an empty HF_HOME: only the tokens a test puts somewhere are found.
  const env: NodeJS.ProcessEnv = { HF_HOME: path.join(dir, 'hfhome'), HF_ENDPOINT: hub.url };
  const context = createHandlerContext({
    platform: {
      version: 'test',
      chooseFolder: async () => null,
      openExternal: async () => undefined,
      confirm: async () => false,
      chooseInterpreter: async () => null,
    },
    dataDir: path.join(dir, 'data'),
    env,
    keychain,
  });
  const registry = new HandlerRegistry(() => undefined);
  registerAccountHandlers(registry, context);
  const sender = { id: 'window-1', trusted: true };
  const call = (channel: string, args?: unknown) =>
    registry.dispatch(sender, channel, args) as Promise<Result<AccountStatus>>;
  return { dir, call, context };
}

function value(result: Result<AccountStatus>): AccountStatus {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('a kept token is tied to its endpoint', () => {
  it('is not sent to an endpoint it was not checked against', async () => {
    const { call, context } = await setup(memoryKeychain());
    value(await call('account:setToken', { token: WRITE, remember: true }));
    await context.settings.update({ hubEndpoint: 'http://127.0.0.1:9' });
    const status = value(await call('account:status', {}));
    expect(status.error?.code).toBe('TOKEN_INVALID');
    expect(status.error?.message).toContain(`checked against ${hub.url}`);
  });
});

describe('account handlers', () => {
  let keychain: ReturnType<typeof memoryKeychain>;
  beforeEach(() => {
    keychain = memoryKeychain();
  });

  it('without any token, says so and how to get one', async () => {
    const { call } = await setup(keychain);
    const status = value(await call('account:status', {}));
    expect(status.account).toBeNull();
    expect(status.error?.code).toBe('TOKEN_MISSING');
    expect(status.error?.message).toMatch(/Write/);
    expect(status.keychainAvailable).toBe(true);
    expect(status.hubEndpoint).toBe(hub.url);
  });

  it('a typed write token shows the user, organisations and role, masked, and is not kept in the keychain', async () => {
    const { call } = await setup(keychain);
    const result = await call('account:setToken', { token: `  ${WRITE}\n`, remember: false });
    const status = value(result);
    expect(status.account).toMatchObject({
      user: 'alice',
      orgs: ['acme'],
      role: 'write',
      canWrite: true,
      source: 'explicit',
    });
    expect(status.account?.masked).toBe(`hf_…${WRITE.slice(-4)}`);
    expect(status.error).toBeNull();
    expect(JSON.stringify(result)).not.toContain(WRITE);
    expect(keychain.value).toBeNull();
    // Still signed in on the next status call (kept in memory for the session).
    expect(value(await call('account:status', {})).account?.user).toBe('alice');
  });

  it('a token the Hub refuses (401) is an error that says what to do, and is not kept', async () => {
    const { call } = await setup(keychain);
    const result = await call('account:setToken', { token: WRONG, remember: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('TOKEN_INVALID');
    expect(result.error.message).toMatch(/401/);
    expect(result.error.message).toMatch(/settings\/tokens/);
    expect(result.error.message).not.toContain(WRONG);
    expect(keychain.value).toBeNull();
    expect(value(await call('account:status', {})).error?.code).toBe('TOKEN_MISSING');
  });

  it('remembers in the keychain when asked, and forget removes it', async () => {
    const { call } = await setup(keychain);
    const status = value(await call('account:setToken', { token: WRITE, remember: true }));
    expect(status.account?.source).toBe('keychain');
    expect(keychain.value).toBe(WRITE);
    const after = value(await call('account:forget'));
    expect(keychain.value).toBeNull();
    expect(after.account).toBeNull();
    expect(after.error?.code).toBe('TOKEN_MISSING');
  });

  it('without a keychain service, says so plainly and keeps the token for this session only', async () => {
    const { call } = await setup(unavailableKeychain);
    const before = value(await call('account:status', {}));
    expect(before.keychainAvailable).toBe(false);
    const status = value(await call('account:setToken', { token: WRITE, remember: true }));
    expect(status.account).toMatchObject({ user: 'alice', source: 'session' });
    expect(status.error?.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(status.error?.message).toMatch(/No keychain service is running/);
    expect(status.error?.message).toMatch(/this session only/);
    const after = value(await call('account:forget'));
    expect(after.account).toBeNull();
  });

  it('a read-only token is shown with its role and a message saying a write token is needed', async () => {
    const { call } = await setup(keychain);
    const status = value(await call('account:setToken', { token: READ, remember: false }));
    expect(status.account).toMatchObject({ user: 'alice-ro', role: 'read', canWrite: false });
    expect(status.error?.code).toBe('TOKEN_READ_ONLY');
    expect(status.error?.message).toMatch(/Write/);
  });

  it("finds the workspace's hf_token.txt when the workspace is given", async () => {
    const { call, dir, context } = await setup(keychain);
    const root = path.join(dir, 'ws');
    await mkdir(root);
    await writeFile(path.join(root, 'hf_token.txt'), `${WRITE}\n`);
    const { id: sessionId } = context.sessions.open(root, 'window-1');
    const status = value(await call('account:status', { sessionId }));
    expect(status.account).toMatchObject({ user: 'alice', source: 'workspace' });
  });

  it('a Hub that cannot be reached is a network error naming the endpoint', async () => {
    const { call, context } = await setup(keychain);
    // From the environment: a token the app keeps itself would not be sent to another endpoint at all.
    context.env.HF_TOKEN = WRITE;
    await context.settings.update({ hubEndpoint: 'http://127.0.0.1:9' });
    const status = value(await call('account:status', {}));
    expect(status.account).toBeNull();
    expect(status.error?.code).toBe('NETWORK');
    expect(status.error?.message).toContain('http://127.0.0.1:9');
    expect(status.error?.message).not.toContain(WRITE);
  });
});
