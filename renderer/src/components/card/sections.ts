/**
 * Splits a card's Markdown body at its top-level ATX headings (outside fenced code), so the preview can
 * render each section on its own and re-parse only the section being typed in. Reference-style link
 * definitions apply to the whole document, so they are handed to every section.
 */

export interface Section {
  /** Offset of the section in the full text. */
  start: number;
  text: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const HEADING = /^ {0,3}#{1,6}(?:[ \t]|$)/;
const DEFINITION = /^ {0,3}\[[^\]\n]+\]:[ \t]*\S.*$/gm;

export function splitSections(text: string, offset: number): { sections: Section[]; definitions: string } {
  const sections: Section[] = [];
  let sectionStart = 0;
  let fence: string | null = null;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    const opening = FENCE.exec(line);
    if (fence) {
      if (opening && opening[1]![0] === fence[0] && opening[1]!.length >= fence.length && line.trim() === opening[1]) fence = null;
    } else if (opening) {
      fence = opening[1]!;
    } else if (lineStart > sectionStart && HEADING.test(line)) {
      sections.push({ start: offset + sectionStart, text: text.slice(sectionStart, lineStart) });
      sectionStart = lineStart;
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  sections.push({ start: offset + sectionStart, text: text.slice(sectionStart) });
  const definitions = text.includes(']:') ? (text.match(DEFINITION) ?? []).join('\n') : '';
  return { sections, definitions };
}
