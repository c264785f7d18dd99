/**
 * A generated card the user has edited, brought up to date with a newly generated one (another checkpoint,
 * another system prompt): each block that changed between the two generated versions is applied to the
 * user's text where that block still reads as generated. Blocks the user rewrote are left alone and counted,
 * so the screen can say what was not updated.
 */
import { diffLines } from './diff';

export interface Rebased {
  text: string;
  applied: number;
  skipped: number;
}

interface Block {
  before: string[];
  after: string[];
  removed: string[];
  added: string[];
}

const MAX_CONTEXT = 3;

export function rebaseGenerated(user: string, oldGenerated: string, newGenerated: string): Rebased {
  const lines = diffLines(oldGenerated, newGenerated);
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length;) {
    if (lines[i]!.kind === 'same') {
      i++;
      continue;
    }
    const start = i;
    while (i < lines.length && lines[i]!.kind !== 'same') i++;
    const context = (from: number, step: number) => {
      const out: string[] = [];
      for (
        let j = from;
        j >= 0 && j < lines.length && out.length < MAX_CONTEXT && lines[j]!.kind === 'same';
        j += step
      )
        out.push(lines[j]!.text);
      return step < 0 ? out.reverse() : out;
    };
    const changed = lines.slice(start, i);
    blocks.push({
      before: context(start - 1, -1),
      after: context(i, 1),
      removed: changed.filter((l) => l.kind === 'del').map((l) => l.text),
      added: changed.filter((l) => l.kind === 'add').map((l) => l.text),
    });
  }

  let text = user;
  let applied = 0;
  let skipped = 0;
  for (const block of blocks) {
    const next = applyBlock(text, block);
    if (next === null) skipped++;
    else {
      text = next;
      applied++;
    }
  }
  return { text, applied, skipped };
}

/** The block applied where its old lines (with enough context to be unique) appear exactly once. */
function applyBlock(text: string, block: Block): string | null {
  for (let n = 1; n <= MAX_CONTEXT; n++) {
    const before = block.before.slice(Math.max(0, block.before.length - n));
    const after = block.after.slice(0, n);
    const oldChunk = [...before, ...block.removed, ...after].join('\n');
    const newChunk = [...before, ...block.added, ...after].join('\n');
    if (oldChunk === '') return null;
    const at = text.indexOf(oldChunk);
    if (at === -1) return null;
    if (text.indexOf(oldChunk, at + 1) === -1)
      return text.slice(0, at) + newChunk + text.slice(at + oldChunk.length);
    if (before.length < n && after.length < n) return null;
  }
  return null;
}

/** The one change turning `a` into `b` (common head and tail kept), so the editor's cursor stays put around it. */
export function singleChange(a: string, b: string): { from: number; to: number; insert: string } | null {
  if (a === b) return null;
  let head = 0;
  const max = Math.min(a.length, b.length);
  while (head < max && a.charCodeAt(head) === b.charCodeAt(head)) head++;
  let tail = 0;
  while (tail < max - head && a.charCodeAt(a.length - 1 - tail) === b.charCodeAt(b.length - 1 - tail)) tail++;
  return { from: head, to: a.length - tail, insert: b.slice(head, b.length - tail) };
}
