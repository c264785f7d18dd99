/**
 * The files a README points at: Markdown images and links, reference definitions and HTML `src`/`href`, to
 * relative paths only. A regex is enough here (the model-card code parses Markdown properly when it edits
 * the card); code blocks are dropped first so examples in them do not count.
 */
import path from 'node:path';

const PATTERNS = [
  // ![alt](path "title") and [text](path)
  /!?\[[^\]]*\]\(\s*(?:<([^>\n]+)>|([^)\s]+))(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g,
  // [id]: path
  /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm,
  // <img src="..."> <a href="..."> <source srcset="..."> (first candidate)
  /<(?:img|a|source|video)\b[^>]*?\b(?:src|href|srcset)\s*=\s*["']([^"'\s]+)[^"']*["']/gi,
];

export function referencedPaths(markdown: string): string[] {
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const found = new Set<string>();
  for (const pattern of PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const ref = cleanRef(match[1] ?? match[2] ?? '');
      if (ref) found.add(ref);
    }
  }
  return [...found];
}

function cleanRef(raw: string): string | null {
  if (!raw || raw.startsWith('#') || raw.startsWith('/') || raw.startsWith('\\')) return null;
  // Any scheme (https:, data:, mailto:) is not a file of the workspace; a Windows drive letter is absolute.
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) return null;
  const withoutQuery = raw.replace(/[?#].*$/, '');
  let decoded = withoutQuery;
  try {
    decoded = decodeURI(withoutQuery);
  } catch {
    // A stray % is a literal character in a file name.
  }
  const normal = path.posix.normalize(decoded.replace(/\\/g, '/'));
  if (!normal || normal === '.' || normal.endsWith('/')) return null;
  return normal;
}
