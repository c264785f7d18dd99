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
  /**
   * Declares that the user drops this folder next. In Electron the path of a dropped File comes from the
   * platform (webUtils.getPathForFile), never from the page; here the spec, outside the page, plays that
   * part, so a page that forges a File with a `path` opens nothing.
   */
  expectDrop(folder: string): void;
  /** Answers for the next native confirmation dialogs (true = the confirm button), in order. */
  answerConfirms(...answers: boolean[]): void;
  /** Confirmation dialogs the app asked for, as shown. */
  confirmsAsked: { title: string; message: string; detail?: string; confirmLabel: string }[];
  /** What the next "Choose interpreter…" answers. */
  setNextChosenInterpreter(executable: string | null): void;
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
  let nextChosenInterpreter: string | null = null;
  const expectedDrops = new Set<string>();
  const confirmAnswers: boolean[] = [];
  const confirmsAsked: Bridge['confirmsAsked'] = [];
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
      // Like a dialog the user dismisses when nobody answered it: never a silent yes.
      confirm: async (request) => {
        confirmsAsked.push(request);
        return confirmAnswers.shift() ?? false;
      },
      chooseInterpreter: async () => nextChosenInterpreter,
      openExternal: async (url) => {
        openedExternally.push(url);
      },
    },
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    });
  });

  /** Only our own address: a page on another name that resolves here (DNS rebinding) is refused. */
  const allowedHost = (host: string | undefined) =>
    host !== undefined && allowedHosts.has(host.toLowerCase());
  const allowedHosts = new Set<string>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHost(req.headers.host)) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request: unknown Host.');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://bridge');
    if (url.pathname === '/__bridge/client.js') {
      res.writeHead(200, { 'Content-Type': MIME['.js'] });
      res.end(clientScript);
      return;
    }
    if (url.pathname === '/__bridge/events') {
      const connection = url.searchParams.get('connection') ?? '';
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      });
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
      const text = await readBody(req, MAX_BODY_BYTES).catch(() => null);
      if (text === null) {
        res
          .writeHead(413, { 'Content-Type': 'text/plain' })
          .end(`Request body over ${MAX_BODY_BYTES} bytes.`);
        return;
      }
      let body: { args?: unknown };
      try {
        body = JSON.parse(text || '{}') as { args?: unknown };
      } catch {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Request body is not JSON.');
        return;
      }
      const connection = String(req.headers['x-bridge-connection'] ?? '');
      const sameOrigin = req.headers.origin === `http://${req.headers.host}`;
      const sender = { id: connection, trusted: sameOrigin && connection.length > 0 };
      const args = body.args ?? undefined;
      const dropped = (args as { path?: unknown } | undefined)?.path;
      const result =
        channel === 'workspace:dropped' &&
        sender.trusted &&
        !(typeof dropped === 'string' && expectedDrops.delete(dropped))
          ? { ok: false, error: { code: 'NOT_ALLOWED', message: 'That File was not dropped by the user.' } }
          : await registry.dispatch(sender, channel, args);
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
      res
        .writeHead(404, { 'Content-Type': 'text/plain' })
        .end('Not found. Run `npm run build:renderer` first.');
      return;
    }
    if (relative === 'index.html') {
      // The bridge script must define window.api before the app's module runs, as the preload does.
      body = Buffer.from(
        body.toString('utf8').replace('<head>', '<head>\n    <script src="/__bridge/client.js"></script>'),
      );
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
  allowedHosts.add(`127.0.0.1:${port}`);
  allowedHosts.add(`localhost:${port}`);
  return {
    url: `http://127.0.0.1:${port}`,
    setNextChosenFolder: (folder) => {
      nextChosenFolder = folder;
    },
    expectDrop: (folder) => {
      expectedDrops.add(folder);
    },
    answerConfirms: (...answers) => {
      confirmAnswers.push(...answers);
    },
    confirmsAsked,
    setNextChosenInterpreter: (executable) => {
      nextChosenInterpreter = executable;
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

/** The largest request: a model card of 8 MB, JSON-escaped, with room to spare. */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new Error('too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
