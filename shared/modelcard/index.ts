/** The model card engine: pure functions the renderer (live preview) and the main process (publish) share. */
export * from './types';
export { updateBenchmarkTable, applyEdits } from './table';
export { scanDocument, documentLayout } from './blocks';
export type { DocumentLayout, FrontMatterRange, MarkdownTable, TableRow, TableCell, ScannedDocument } from './blocks';
export { canonicalLabel, canonicalCell, humanizeKey, isPlaceholder, AVERAGE_KEY } from './labels';
