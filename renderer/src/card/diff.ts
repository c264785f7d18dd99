/**
 * Line diff for the "what changed" views: Myers' O(ND) algorithm on lines after trimming the common head
 * and tail, which is where a card's edits are cheap to find (a filled table, a paragraph rewritten).
 * Past a budget of edit steps it gives up on minimality and reports the middle as replaced, so a
 * pathological pair of documents cannot freeze the window.
 */

export type DiffLine =
  | { kind: 'same'; a: number; b: number; text: string }
  | { kind: 'del'; a: number; text: string }
  | { kind: 'add'; b: number; text: string };

export interface DiffHunk {
  /** 1-based first line in each document. */
  aStart: number;
  bStart: number;
  lines: DiffLine[];
}

const MAX_EDIT_STEPS = 4000;

/**
 * Lines split at `\n` with any `\r` kept, so a change of line endings shows as the change it is (the file
 * uploaded would differ); `displayLine` drops the `\r` for showing.
 */
function splitLines(text: string): string[] {
  return text.split('\n');
}

export function displayLine(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

export function diffLines(aText: string, bText: string): DiffLine[] {
  const a = splitLines(aText);
  const b = splitLines(bText);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;

  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ kind: 'same', a: i + 1, b: i + 1, text: a[i] ?? '' });
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  for (const line of myers(midA, midB)) {
    if (line.kind === 'same') out.push({ kind: 'same', a: line.a + head, b: line.b + head, text: line.text });
    else if (line.kind === 'del') out.push({ kind: 'del', a: line.a + head, text: line.text });
    else out.push({ kind: 'add', b: line.b + head, text: line.text });
  }
  for (let i = tail; i > 0; i--) {
    out.push({ kind: 'same', a: a.length - i + 1, b: b.length - i + 1, text: a[a.length - i] ?? '' });
  }
  return out;
}

function myers(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((text, i) => ({ kind: 'add', b: i + 1, text }));
  if (m === 0) return a.map((text, i) => ({ kind: 'del', a: i + 1, text }));
  const max = Math.min(n + m, MAX_EDIT_STEPS);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0)))
        x = v[offset + k + 1] ?? 0;
      else x = (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, offset, d);
    }
    v = next;
  }
  // Too different to diff minimally in time: show the whole middle as replaced.
  return [
    ...a.map((text, i): DiffLine => ({ kind: 'del', a: i + 1, text })),
    ...b.map((text, i): DiffLine => ({ kind: 'add', b: i + 1, text })),
  ];
}

function backtrack(trace: Int32Array[], a: string[], b: string[], offset: number, dEnd: number): DiffLine[] {
  const out: DiffLine[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0));
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ kind: 'same', a: x, b: y, text: a[x - 1] ?? '' });
      x--;
      y--;
    }
    if (down) {
      out.push({ kind: 'add', b: y, text: b[y - 1] ?? '' });
      y--;
    } else {
      out.push({ kind: 'del', a: x, text: a[x - 1] ?? '' });
      x--;
    }
  }
  while (x > 0 && y > 0) {
    out.push({ kind: 'same', a: x, b: y, text: a[x - 1] ?? '' });
    x--;
    y--;
  }
  return out.reverse();
}

/** Groups a diff into hunks with `context` unchanged lines around each change. */
export function toHunks(lines: DiffLine[], context = 3): DiffHunk[] {
  const hunks: DiffHunk[] = [];
  let current: DiffLine[] | null = null;
  let trailing = 0;
  // Index of the next changed line at or after each line, computed once from the end.
  const nextChange = new Int32Array(lines.length + 1).fill(-1);
  for (let i = lines.length - 1; i >= 0; i--)
    nextChange[i] = lines[i]!.kind !== 'same' ? i : (nextChange[i + 1] ?? -1);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.kind !== 'same') {
      if (!current) {
        current = [];
        for (let j = Math.max(0, i - context); j < i; j++) current.push(lines[j]!);
      }
      current.push(line);
      trailing = 0;
    } else if (current) {
      const next = nextChange[i] ?? -1;
      if (trailing < context || (next !== -1 && next - i <= context)) {
        current.push(line);
        trailing++;
      } else {
        hunks.push(makeHunk(current));
        current = null;
        trailing = 0;
      }
    }
  }
  if (current) hunks.push(makeHunk(current));
  return hunks;
}

function makeHunk(lines: DiffLine[]): DiffHunk {
  const firstA = lines.find((l): l is Extract<DiffLine, { a: number }> => 'a' in l);
  const firstB = lines.find((l): l is Extract<DiffLine, { b: number }> => 'b' in l);
  return { aStart: firstA?.a ?? 0, bStart: firstB?.b ?? 0, lines };
}
