/**
 * Images of the card, resolved the way the Hub resolves them: a relative path is a file of the repo, i.e.
 * of the workspace next to the README. The renderer may only show data: URLs (CSP), so each one is asked
 * for through `workspace:image` once per workspace session and cached.
 */
import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api';

export type ImageSource =
  | { kind: 'workspace'; path: string }
  | { kind: 'inline'; url: string }
  | { kind: 'external'; url: string }
  | { kind: 'invalid'; reason: string };

export type ImageResult =
  | { status: 'loading' }
  | { status: 'ok'; url: string }
  | { status: 'missing' }
  | { status: 'error'; message: string };

/** `src` as written in the README, to what it points at. */
export function resolveImage(readmePath: string | null, src: string): ImageSource {
  const raw = src.trim();
  if (raw.startsWith('data:image/')) return { kind: 'inline', url: raw };
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('//')) return { kind: 'external', url: raw };
  let decoded = raw.replace(/[?#].*$/, '');
  try {
    decoded = decodeURI(decoded);
  } catch {
    // A stray % is part of the file name.
  }
  // A leading slash is the repo root on the Hub.
  const base = decoded.startsWith('/') ? [] : (readmePath ?? 'README.md').split('/').slice(0, -1);
  const parts = [...base];
  for (const part of decoded.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return { kind: 'invalid', reason: `${src} points outside the workspace.` };
      parts.pop();
    } else parts.push(part);
  }
  if (parts.length === 0) return { kind: 'invalid', reason: `${src} is not a file.` };
  return { kind: 'workspace', path: parts.join('/') };
}

const cache = new Map<string, Promise<ImageResult>>();
const settled = new Map<string, ImageResult>();
const listeners = new Set<() => void>();

function key(sessionId: string, path: string): string {
  return `${sessionId}\u0000${path}`;
}

export function loadImage(sessionId: string, path: string): Promise<ImageResult> {
  const k = key(sessionId, path);
  let pending = cache.get(k);
  if (!pending) {
    pending = api.workspace.image({ sessionId, path }).then(
      (r): ImageResult =>
        r.ok
          ? r.value
            ? { status: 'ok', url: r.value }
            : { status: 'missing' }
          : { status: 'error', message: r.error.message },
      (err: unknown): ImageResult => ({ status: 'error', message: String(err) }),
    );
    pending.then((result) => {
      settled.set(k, result);
      for (const listener of listeners) listener();
    });
    cache.set(k, pending);
  }
  return pending;
}

/** Forgets what was loaded, so images added or fixed on disk are looked at again. */
export function clearImageCache(): void {
  cache.clear();
  settled.clear();
  for (const listener of listeners) listener();
}

export function useImage(sessionId: string | null, path: string | null): ImageResult {
  const k = sessionId && path ? key(sessionId, path) : null;
  const [, rerender] = useState(0);
  useEffect(() => {
    if (!sessionId || !path) return;
    const listener = () => rerender((n) => n + 1);
    listeners.add(listener);
    void loadImage(sessionId, path);
    return () => {
      listeners.delete(listener);
    };
  }, [sessionId, path]);
  if (!k) return { status: 'missing' };
  return settled.get(k) ?? { status: 'loading' };
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const MARKDOWN_IMAGE = /!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const HTML_IMAGE = /<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']/gi;

/** Image sources the card shows, outside code blocks, in order of appearance. */
export function referencedImages(markdown: string): string[] {
  const found = new Set<string>();
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const opening = FENCE.exec(line);
    if (fence) {
      if (opening && opening[1]!.startsWith(fence)) fence = null;
      continue;
    }
    if (opening) {
      fence = opening[1]!;
      continue;
    }
    if (!line.includes('!') && !line.includes('<')) continue;
    const text = line.replace(/`[^`]*`/g, '');
    for (const m of text.matchAll(MARKDOWN_IMAGE)) found.add(m[1]!);
    for (const m of text.matchAll(HTML_IMAGE)) found.add(m[1]!);
  }
  return [...found];
}

/** Images the card references that are not in the workspace, re-checked whenever the card changes. */
export function useMissingImages(
  sessionId: string | null,
  readmePath: string | null,
  markdown: string | null,
): string[] {
  const [, rerender] = useState(0);
  const sources = useMemo(
    () =>
      markdown
        ? referencedImages(markdown).map((src) => ({ src, source: resolveImage(readmePath, src) }))
        : [],
    [markdown, readmePath],
  );
  useEffect(() => {
    const listener = () => rerender((n) => n + 1);
    listeners.add(listener);
    if (sessionId)
      for (const { source } of sources)
        if (source.kind === 'workspace') void loadImage(sessionId, source.path);
    return () => {
      listeners.delete(listener);
    };
  }, [sessionId, sources]);
  const missing: string[] = [];
  for (const { src, source } of sources) {
    if (source.kind === 'invalid') missing.push(src);
    if (source.kind !== 'workspace' || !sessionId) continue;
    const result = settled.get(key(sessionId, source.path));
    if (result && (result.status === 'missing' || result.status === 'error')) missing.push(src);
  }
  return missing;
}
