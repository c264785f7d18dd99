/**
 * Include/exclude globs typed by the user, matched in time linear in the path length whatever the pattern.
 *
 * picomatch (used for the app's own fixed patterns) compiles a glob to a backtracking regular expression:
 * `*a*a*a*a*a*a*a*ab` against 60 `a`s takes over 30 s there, and it runs on the main thread. Here a pattern
 * becomes a small automaton that is simulated on a set of states (Thompson's construction), so every path
 * is read once. The syntax is the usual one: `*` (within a folder), `**` (any folders), `?`, `[a-z]`,
 * `[!x]`, `{a,b}`, `\` escapes and a leading `!` to negate; dots are matched like any other character.
 */

/** Limits the contract and the CLI enforce on user patterns. */
export const GLOB_LIMITS = { maxPatterns: 100, maxLength: 256, maxExpansions: 64 } as const;

type Token =
  | { t: 'char'; c: string }
  | { t: 'any' }
  | { t: 'class'; negate: boolean; items: [string, string][] }
  | { t: 'star' }
  /** `**` as a whole pattern or last segment: anything, slashes included. */
  | { t: 'globstar' }
  /** `**` followed by a slash: nothing, or anything that ends with a slash. */
  | { t: 'globstarDir' };

export class GlobError extends Error {}

/** Why a pattern is refused, or null: too long, control characters, too many brace alternatives. */
export function globProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'is empty';
  if (pattern.length > GLOB_LIMITS.maxLength) return `is longer than ${GLOB_LIMITS.maxLength} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return 'contains a control character';
  try {
    expandBraces(pattern);
  } catch (err) {
    return (err as Error).message;
  }
  return null;
}

function expandBraces(pattern: string): string[] {
  let out = [pattern];
  for (let round = 0; round < 16; round++) {
    const next: string[] = [];
    let changed = false;
    for (const p of out) {
      const span = firstBraceSpan(p);
      if (!span) {
        next.push(p);
        continue;
      }
      changed = true;
      for (const alt of span.alternatives) next.push(p.slice(0, span.start) + alt + p.slice(span.end + 1));
      if (next.length > GLOB_LIMITS.maxExpansions) {
        throw new GlobError(`expands to more than ${GLOB_LIMITS.maxExpansions} alternatives`);
      }
    }
    out = next;
    if (!changed) return out;
  }
  throw new GlobError('nests braces too deeply');
}

/** The first `{…,…}` group at top level, with its comma-separated alternatives (nested groups kept whole). */
function firstBraceSpan(p: string): { start: number; end: number; alternatives: string[] } | null {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      i++;
      continue;
    }
    if (p[i] !== '{') continue;
    let depth = 0;
    const parts: string[] = [];
    let from = i + 1;
    for (let j = i; j < p.length; j++) {
      const c = p[j];
      if (c === '\\') {
        j++;
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          parts.push(p.slice(from, j));
          if (parts.length < 2) break;
          return { start: i, end: j, alternatives: parts };
        }
      } else if (c === ',' && depth === 1) {
        parts.push(p.slice(from, j));
        from = j + 1;
      }
    }
  }
  return null;
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      tokens.push({ t: 'char', c: pattern[++i]! });
    } else if (c === '*') {
      let j = i;
      while (pattern[j + 1] === '*') j++;
      const atSegmentStart = i === 0 || pattern[i - 1] === '/';
      const double = j > i;
      if (double && atSegmentStart && pattern[j + 1] === '/') {
        tokens.push({ t: 'globstarDir' });
        j++;
      } else if (double && atSegmentStart && j + 1 === pattern.length) {
        tokens.push({ t: 'globstar' });
      } else {
        tokens.push({ t: 'star' });
      }
      i = j;
    } else if (c === '?') {
      tokens.push({ t: 'any' });
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close === -1) {
        tokens.push({ t: 'char', c });
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      const items: [string, string][] = [];
      for (let k = 0; k < body.length; k++) {
        const lo = body[k]!;
        if (body[k + 1] === '-' && k + 2 < body.length) {
          items.push([lo, body[k + 2]!]);
          k += 2;
        } else items.push([lo, lo]);
      }
      tokens.push({ t: 'class', negate, items });
      i = close;
    } else {
      tokens.push({ t: 'char', c });
    }
  }
  return tokens;
}

/** One pattern without braces, simulated on a set of states: state 2k is "before token k", 2k+1 "inside a double-star-slash". */
function compileOne(pattern: string): (path: string) => boolean {
  const tokens = tokenize(pattern);
  const n = tokens.length;
  const closure = (states: Set<number>): Set<number> => {
    const stack = [...states];
    while (stack.length) {
      const s = stack.pop()!;
      if (s % 2 === 1) continue;
      const k = s / 2;
      const tok = tokens[k];
      if (tok && (tok.t === 'star' || tok.t === 'globstar' || tok.t === 'globstarDir')) {
        const next = 2 * (k + 1);
        if (!states.has(next)) {
          states.add(next);
          stack.push(next);
        }
      }
    }
    return states;
  };
  const classMatches = (tok: Extract<Token, { t: 'class' }>, ch: string) => {
    if (ch === '/') return false;
    const hit = tok.items.some(([lo, hi]) => ch >= lo && ch <= hi);
    return tok.negate ? !hit : hit;
  };
  return (path: string) => {
    let states = closure(new Set([0]));
    for (const ch of path) {
      const next = new Set<number>();
      for (const s of states) {
        const k = Math.floor(s / 2);
        const tok = tokens[k];
        if (!tok) continue;
        if (s % 2 === 1) {
          // Inside `**/`: anything, and a slash may end it.
          next.add(s);
          if (ch === '/') next.add(2 * (k + 1));
          continue;
        }
        switch (tok.t) {
          case 'char':
            if (tok.c === ch) next.add(2 * (k + 1));
            break;
          case 'any':
            if (ch !== '/') next.add(2 * (k + 1));
            break;
          case 'class':
            if (classMatches(tok, ch)) next.add(2 * (k + 1));
            break;
          case 'star':
            if (ch !== '/') next.add(s);
            break;
          case 'globstar':
            next.add(s);
            break;
          case 'globstarDir':
            if (ch === '/') next.add(2 * (k + 1));
            else next.add(s + 1);
            break;
        }
      }
      if (next.size === 0) return false;
      states = closure(next);
    }
    return states.has(2 * n);
  };
}

/** A matcher for a list of user patterns (any positive one matches, unless a `!` pattern does). */
export function compileGlobs(patterns: readonly string[]): (path: string) => boolean {
  if (patterns.length > GLOB_LIMITS.maxPatterns) {
    throw new GlobError(`At most ${GLOB_LIMITS.maxPatterns} patterns are accepted.`);
  }
  const positive: ((p: string) => boolean)[] = [];
  const negative: ((p: string) => boolean)[] = [];
  for (const raw of patterns) {
    const problem = globProblem(raw);
    if (problem) throw new GlobError(`The pattern "${raw.slice(0, 80)}" ${problem}.`);
    const negated = raw.startsWith('!');
    const body = (negated ? raw.slice(1) : raw).replace(/^\.\//, '');
    for (const p of expandBraces(body)) (negated ? negative : positive).push(compileOne(p));
  }
  return (path: string) => {
    if (negative.some((m) => m(path))) return false;
    return positive.length === 0 ? negative.length > 0 : positive.some((m) => m(path));
  };
}
