/**
 * The `app://renderer/` protocol: serves the built renderer from one folder, with the CSP and `nosniff` as
 * real response headers. Every request gets a Response, never a throw: Electron logs a thrown error's stack
 * and fails the load with ERR_UNEXPECTED.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../security';

/** The renderer's largest file is a few MB of JavaScript; anything far bigger is not ours. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

const MIME_TYPES: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
});

export function mimeTypeFor(file: string): string {
  return MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type ResolvedRendererPath = { file: string } | { status: 400 | 404 };

/**
 * The file a URL names inside `rendererDir`, or the status to answer. Containment uses `path.relative`, so
 * a sibling folder sharing the prefix (`dist/renderer-private`) is outside, as is anything `..` reaches.
 */
export function resolveRendererPath(rendererDir: string, url: string): ResolvedRendererPath {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return { status: 400 };
  }
  if (pathname.includes('\0')) return { status: 400 };
  const root = path.resolve(rendererDir);
  const relativeName = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const file = path.resolve(root, relativeName);
  const relative = path.relative(root, file);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return { status: 404 };
  return { file };
}

function securityHeaders(contentType: string): Headers {
  return new Headers({
    'Content-Type': contentType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
  });
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: securityHeaders('text/plain; charset=utf-8') });
}

/** The `protocol.handle('app', …)` handler for the renderer in `rendererDir`. */
export function rendererProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
    let host: string;
    try {
      host = new URL(request.url).host;
    } catch {
      return plain(400, 'Bad request');
    }
    if (host !== 'renderer') return plain(404, 'Not found');
    const resolved = resolveRendererPath(rendererDir, request.url);
    if ('status' in resolved)
      return plain(resolved.status, resolved.status === 400 ? 'Bad request' : 'Not found');
    try {
      const info = await stat(resolved.file);
      if (!info.isFile() || info.size > MAX_FILE_BYTES) return plain(404, 'Not found');
      const body = request.method === 'HEAD' ? null : await readFile(resolved.file);
      return new Response(body, { status: 200, headers: securityHeaders(mimeTypeFor(resolved.file)) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return plain(404, 'Not found');
      return plain(500, 'The file could not be read');
    }
  };
}
