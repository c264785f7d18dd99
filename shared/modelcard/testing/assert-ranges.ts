// Test helpers (imported by *.test.ts only): the byte-for-byte check every corpus and property test uses.
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';
import { documentLayout } from '../blocks';
import type { TextChange } from '../types';

/** Returns null when the output is the input with exactly the reported ranges replaced, else what differs. */
export function rangesProblem(input: string, output: string, changes: TextChange[]): string | null {
  let inCursor = 0;
  let outCursor = 0;
  for (const change of changes) {
    if (change.start < inCursor) return `change at ${change.start} overlaps the previous one`;
    const gapIn = input.slice(inCursor, change.start);
    const gapOut = output.slice(outCursor, outCursor + gapIn.length);
    if (gapIn !== gapOut) return `text before ${change.start} differs: ${JSON.stringify(gapIn.slice(-40))} vs ${JSON.stringify(gapOut.slice(-40))}`;
    if (outCursor + gapIn.length !== change.outputStart) return `outputStart ${change.outputStart} should be ${outCursor + gapIn.length}`;
    if (input.slice(change.start, change.end) !== change.before) return `before of change at ${change.start} is not the input text`;
    if (output.slice(change.outputStart, change.outputEnd) !== change.after) return `after of change at ${change.start} is not the output text`;
    inCursor = change.end;
    outCursor = change.outputEnd;
  }
  if (input.slice(inCursor) !== output.slice(outCursor)) return `text after the last change differs`;
  return null;
}

/** Table start offsets as a parse of the whole body reports them: the reference for the sliced scan. */
export function tablesByFullParse(text: string): number[] {
  const { bodyStart } = documentLayout(text);
  const tree = fromMarkdown(text.slice(bodyStart), { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  const starts: number[] = [];
  const visit = (node: { type: string; position?: { start: { offset?: number } }; children?: unknown[] }): void => {
    if (node.type === 'table') starts.push(bodyStart + (node.position?.start.offset ?? -1));
    else for (const child of (node.children ?? []) as (typeof node)[]) visit(child);
  };
  visit(tree);
  return starts;
}
