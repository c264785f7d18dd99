import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultDecision } from './faults';
import type { LocalHubUser, RequestLogEntry } from './types';

export type HubErrorCode = 'RepoNotFound' | 'RevisionNotFound' | 'EntryNotFound' | 'GatedRepo';

/** An error answered the way the Hub answers it: JSON `{error}` plus X-Error-Code / X-Error-Message. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly options: { code?: HubErrorCode; headers?: Record<string, string>; body?: Record<string, unknown> } = {},
  ) {
    super(message);
  }
}

/** Thrown after the connection was deliberately reset: nothing more can be sent. */
export class ConnectionResetByFault extends Error {}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Raw (still percent-encoded) path segments, without the leading empty one. */
  rawSegments: string[];
  /** Scheme and host the client used, for the absolute URLs the Hub returns. */
  base: string;
  user: LocalHubUser | undefined;
  fault: FaultDecision;
  logEntry: RequestLogEntry;
}

export const exposedHeaders = [
  'X-Repo-Commit', 'X-Request-Id', 'X-Error-Code', 'X-Error-Message', 'ETag', 'Link', 'Accept-Ranges', 'Content-Range',
  'X-Linked-Size', 'X-Linked-ETag', 'X-Total-Count', 'Retry-After', 'RateLimit', 'RateLimit-Policy',
].join(', ');

export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]+/g, ' ').slice(0, 1000);
}

export function writeHead(ctx: RequestContext, status: number, headers: Record<string, string | number> = {}): void {
  ctx.logEntry.status = status;
  ctx.res.writeHead(status, headers);
}

export function sendJson(ctx: RequestContext, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  const text = JSON.stringify(body);
  writeHead(ctx, status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : text);
}

export function sendError(ctx: RequestContext, error: HubError): void {
  const headers: Record<string, string> = { 'X-Error-Message': headerSafe(error.message), ...error.options.headers };
  if (error.options.code) headers['X-Error-Code'] = error.options.code;
  sendJson(ctx, error.status, { error: error.message, ...error.options.body }, headers);
}

export function resetConnection(ctx: RequestContext): never {
  ctx.logEntry.status = 0;
  // The socket is gone when the client already hung up (Node sets req.socket to null then).
  ctx.req.socket?.resetAndDestroy();
  throw new ConnectionResetByFault('connection reset by fault plan');
}

/** The request body, chunk by chunk, with the fault plan's connection reset applied. */
export async function* bodyChunks(ctx: RequestContext): AsyncGenerator<Buffer> {
  const resetAfter = ctx.fault.failure?.fault === 'reset' ? ctx.fault.failure.afterBytes : undefined;
  let received = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (resetAfter !== undefined && received > resetAfter) resetConnection(ctx);
    yield chunk;
  }
}

export async function readBody(ctx: RequestContext, limitBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of bodyChunks(ctx)) {
    total += chunk.length;
    if (total > limitBytes) throw new HubError(413, `Request body is larger than ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson(ctx: RequestContext, limitBytes = 64 * 1024 * 1024): Promise<Record<string, unknown>> {
  const body = await readBody(ctx, limitBytes);
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    throw new HubError(400, 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HubError(400, 'Request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** NDJSON lines of the body, one at a time, so a commit of many files never sits in memory whole. */
export async function* bodyLines(ctx: RequestContext, maxLineBytes: number): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of bodyChunks(ctx)) {
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline !== -1; newline = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, newline));
      const line = Buffer.concat(pending).toString('utf8');
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
      if (line.trim()) yield line;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLineBytes) throw new HubError(413, `A commit line is larger than ${maxLineBytes} bytes`);
    }
  }
  const last = Buffer.concat(pending).toString('utf8');
  if (last.trim()) yield last;
}

export async function drainBody(ctx: RequestContext): Promise<void> {
  for await (const _chunk of ctx.req as AsyncIterable<Buffer>) {
    // discarded: a failing edge server still reads what the client sends
  }
}

/** Waits `ms`, or less if the client hangs up first (nobody is left to answer). */
export function delayUnlessClosed(ctx: RequestContext, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = ctx.req.socket;
    if (!socket || socket.destroyed) return resolve();
    const done = () => {
      clearTimeout(timer);
      socket.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.once('close', done);
  });
}

export function queryFlag(url: URL, name: string): boolean {
  const value = url.searchParams.get(name);
  return value !== null && ['1', 'true', 'yes'].includes(value.toLowerCase());
}
