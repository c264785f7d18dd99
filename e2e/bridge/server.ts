/**
 * The browser test bridge: serves the built renderer to Chromium and answers `window.api` with the same
 * handler registry the Electron main process uses. Only Electron's transport is swapped; the UI, the
 * handlers, the services and the Hub are all real.
 */
import { build } from 'esbuild';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EventChannel, EventPayloads } from '../../shared/ipc/contract';
import { createRegistry } from '../../electron/ipc/handlers/index';
import { CONTENT_SECURITY_POLICY } from '../../electron/security';

const here = path.dirname(fileURLToPath(import.meta.url));
export const RENDERER_DIR = path.join(here, '..', '..', 'dist', 'renderer');

export interface BridgeOptions {
  port?: number;
  dataDir: string;
  /** The Hub the app talks to (as HF_ENDPOINT would set it); the local Hub in tests. */
  hubEndpoint?: string;
  rendererDir?: string;
}

export interface Bridge {
  url: string;
  /** What the next "Choose folder…" answers, as a user picking it in the dialog would. */
  setNextChosenFolder(folder: string | null): void;
  /** URLs the app asked to open in the system browser. */
  openedExternally: string[];
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const rendererDir = options.rendererDir ?? RENDERER_DIR;
  const clientScript = await bundleClient();
  const streams = new Map<string, ServerResponse>();
  // Events for a connection whose stream is not open yet are kept until it opens.
  const backlog = new Map<string, string[]>();
  let nextChosenFolder: string | null = null;
  const openedExternally: string[] = [];

  const emit = <E extends EventChannel>(senderId: string, event: E, payload: EventPayloads[E]) => {
    const line = `data: ${JSON.stringify({ event, payload })}\n\n`;
    const stream = streams.get(senderId);
    if (stream) stream.write(line);
    else backlog.set(senderId, [...(backlog.get(senderId) ?? []), line]);
  };

  const registry = createRegistry(emit, {
    dataDir: options.dataDir,
    env: { ...process.env, ...(options.hubEndpoint ? { HF_ENDPOINT: options.hubEndpoint } : {}) },
    platform: {
      version: 'bridge',
      chooseFolder: async () => nextChosenFolder,
      openExternal: async (url) => {
        openedExternally.push(url);
      },
      // Native dialogs have no browser counterpart; the #11 test bridge answers them for specs.
      confirm: async () => false,
      chooseInterpreter: async () => null,
    },
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://bridge');
    if (url.pathname === '/__bridge/client.js') {
      res.writeHead(200, { 'Content-Type': MIME['.js'] });
      res.end(clientScript);
      return;
    }
    if (url.pathname === '/__bridge/events') {
      const connection = url.searchParams.get('connection') ?? '';
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.set(connection, res);
      for (const line of backlog.get(connection) ?? []) res.write(line);
      backlog.delete(connection);
      // A closed page is a closed window: its jobs are cancelled.
      req.on('close', () => {
        streams.delete(connection);
        registry.cancelAllFrom(connection);
      });
      return;
    }
    if (url.pathname.startsWith('/__bridge/invoke/') && req.method === 'POST') {
      const channel = decodeURIComponent(url.pathname.slice('/__bridge/invoke/'.length));
      const body = JSON.parse((await readBody(req)) || '{}') as { args?: unknown };
      const connection = String(req.headers['x-bridge-connection'] ?? '');
      const sameOrigin = req.headers.origin === `http://${req.headers.host}`;
      const result = await registry.dispatch(
        { id: connection, trusted: sameOrigin && connection.length > 0 },
        channel,
        body.args ?? undefined,
      );
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(result));
      return;
    }
    await serveStatic(url.pathname, res);
  }

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = path.normalize(path.join(rendererDir, relative));
    if (!file.startsWith(rendererDir)) {
      res.writeHead(404).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found. Run `npm run build:renderer` first.');
      return;
    }
    if (relative === 'index.html') {
      // The bridge script must define window.api before the app's module runs, as the preload does.
      body = Buffer.from(body.toString('utf8').replace('<head>', '<head>\n    <script src="/__bridge/client.js"></script>'));
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'Cache-Control': 'no-store',
    });
    res.end(body);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setNextChosenFolder: (folder) => {
      nextChosenFolder = folder;
    },
    openedExternally,
    close: async () => {
      await registry.dispose();
      await new Promise<void>((resolve) => {
        for (const stream of streams.values()) stream.end();
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

async function bundleClient(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(here, 'client.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
