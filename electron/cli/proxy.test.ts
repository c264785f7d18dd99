/** The CLI's fetch goes through HTTP(S)_PROXY and skips it for NO_PROXY hosts. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConnectProxy, type ConnectProxy } from '../../e2e/fixtures/connect-proxy';
import { useProxyFromEnvironment } from './proxy';

let proxy: ConnectProxy;
let origin: Server;
const url = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

beforeAll(async () => {
  origin = createServer((req, res) => res.end(`origin saw ${req.headers.host}${req.url}`));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  proxy = await startConnectProxy(() => (origin.address() as AddressInfo).port);
});
afterAll(async () => {
  await proxy.close();
  origin.close();
});

describe('CLI proxy', () => {
  it('sends requests through HTTP_PROXY, except to NO_PROXY hosts', async () => {
    const restore = await useProxyFromEnvironment({ HTTP_PROXY: proxy.url, NO_PROXY: 'localhost' });
    try {
      expect(await (await fetch('http://hub.example.test/api/whoami-v2')).text()).toBe(
        'origin saw hub.example.test/api/whoami-v2',
      );
      expect(proxy.tunnels).toEqual(['hub.example.test:80']);
    } finally {
      restore();
    }
    const restoreNoProxy = await useProxyFromEnvironment({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    try {
      expect(await (await fetch(`${url(origin)}/x`)).text()).toMatch(/^origin saw 127\.0\.0\.1:\d+\/x$/);
      expect(proxy.tunnels).toHaveLength(1);
    } finally {
      restoreNoProxy();
    }
  });

  it('tunnels https requests (the Hub) through HTTPS_PROXY', async () => {
    const restore = await useProxyFromEnvironment({ HTTPS_PROXY: proxy.url });
    try {
      // The tunnel reaches a plain-http origin, so TLS fails; what matters is where the request went.
      await fetch('https://hub.example.test/api/whoami-v2').catch(() => undefined);
      expect(proxy.tunnels.at(-1)).toBe('hub.example.test:443');
    } finally {
      restore();
    }
  });

  // The built CLI bundles undici into a chunk of its own, loaded only when a proxy is set; a dynamic import
  // of the package there had no named exports, which the tests above (run from source) cannot see.
  it('is used by the built command line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cli-proxy-'));
    try {
      const tokenFile = path.join(dir, 'token');
      await writeFile(tokenFile, 'hf_' + 'ProxyTestTokenNotRealAtAllXXXXXXXX');
      const bin = new URL('../../bin/hub-publisher.js', import.meta.url).pathname;
      const args = [
        bin,
        'token',
        'status',
        '--endpoint',
        'http://hub.example.test',
        '--token-file',
        tokenFile,
      ];
      const env = { ...process.env, HTTP_PROXY: proxy.url, NO_PROXY: '' };
      const failed = await promisify(execFile)(process.execPath, args, { env, cwd: dir }).catch(
        (err: { stderr: string }) => err,
      );
      // The origin is no Hub (it answers plain text): what matters is that the request went through the proxy.
      expect(proxy.tunnels.at(-1)).toBe('hub.example.test:80');
      expect((failed as { stderr?: string }).stderr ?? '').not.toMatch(/is not a function|TypeError/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('changes nothing when no proxy is set', async () => {
    (await useProxyFromEnvironment({}))();
    const before = proxy.tunnels.length;
    expect(await (await fetch(`${url(origin)}/y`)).text()).toMatch(/\/y$/);
    expect(proxy.tunnels).toHaveLength(before);
  });
});
