/**
 * Files a README points at by relative path (images, linked files): the publisher uploads them with the card,
 * and a missing one is a broken card on the Hub.
 */
import { scanDocument } from './blocks';

export interface ReferencedFile {
  /** Repo-relative path, `./` dropped and percent-escapes decoded, e.g. `assets/loss curve.png`. */
  path: string;
  /** As written in the README. */
  target: string;
  kind: 'image' | 'link' | 'html';
  line: number;
  /** The target climbs out of the repository (`../x.png`): it cannot be uploaded with the card. */
  outsideRepo: boolean;
}

const INLINE = /(!?)\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>\n]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
const DEFINITION = /^ {0,3}\[(?:[^\]\\]|\\.)+\]:[ \t]*(<[^>\n]*>|\S+)/gm;
const HTML_ATTRIBUTE = /<(img|source|video|audio|a|link|iframe|embed|object)\b[^>]*?\s(src|href|poster|data)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi;

/** Every relative path the README references, outside code and comments, first mention only. */
export function listReferencedFiles(readme: string): ReferencedFile[] {
  const { layout, codeRanges } = scanDocument(readme, { isRelevant: () => false });
  // Blank out code blocks, comments and inline code so nothing inside them counts; offsets stay put.
  const blank = (from: number, to: number) => readme.slice(from, to).replace(/[^\n]/g, ' ');
  const parts = [blank(0, layout.bodyStart)];
  let cursor = layout.bodyStart;
  for (const range of codeRanges) {
    parts.push(readme.slice(cursor, range.start), blank(range.start, range.end));
    cursor = range.end;
  }
  parts.push(readme.slice(cursor));
  let body = parts.join('');
  body = body.replace(/(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));

  const lineStarts = [0];
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };

  const found: ReferencedFile[] = [];
  const seen = new Set<string>();
  const add = (target: string, kind: ReferencedFile['kind'], offset: number) => {
    const path = toRepoPath(target);
    if (path === null || seen.has(path.path)) return;
    seen.add(path.path);
    found.push({ path: path.path, target, kind, line: lineOf(offset), outsideRepo: path.outsideRepo });
  };
  for (const match of body.matchAll(INLINE)) add(unbracket(match[2] ?? ''), match[1] ? 'image' : 'link', match.index);
  for (const match of body.matchAll(DEFINITION)) add(unbracket(match[1] ?? ''), 'link', match.index);
  for (const match of body.matchAll(HTML_ATTRIBUTE)) add(unquote(match[3] ?? ''), 'html', match.index);
  return found.sort((a, b) => a.line - b.line);
}

function unbracket(target: string): string {
  return target.startsWith('<') && target.endsWith('>') ? target.slice(1, -1) : target;
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/** Null for URLs, anchors, site-absolute paths and anything else that is not a file of this repo. */
function toRepoPath(target: string): { path: string; outsideRepo: boolean } | null {
  const trimmed = target.trim();
  if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('/') || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(trimmed)) return null;
  let path = trimmed.replace(/[?#].*$/, '');
  try {
    path = decodeURIComponent(path);
  } catch {
    // Keep a malformed escape as written: it is still the name the Hub would look up.
  }
  const parts: string[] = [];
  let outsideRepo = false;
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) outsideRepo = true;
      else parts.pop();
    } else parts.push(part);
  }
  if (parts.length === 0) return null;
  return { path: parts.join('/'), outsideRepo };
}
