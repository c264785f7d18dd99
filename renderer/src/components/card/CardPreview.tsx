/**
 * The card as the Hub shows it: front matter as a metadata block, GitHub-flavoured Markdown below, images
 * from the workspace, and the table cells the app filled highlighted.
 *
 * Rendering Markdown is the expensive part of the screen. The body is split into sections at headings and
 * each section is memoised on its own text and its own (section-relative) highlights, so typing re-parses
 * one section, not the whole card.
 */
import { memo, useMemo, type ComponentProps, type MouseEvent } from 'react';
import Markdown, { defaultUrlTransform, type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { documentLayout } from '../../../../shared/modelcard';
import { api } from '../../api';
import { FrontMatter } from './FrontMatter';
import { remarkHubHtml } from './hub-html';
import { resolveImage, useImage } from './images';
import type { FilledCell } from '../../card/live-table';
import { splitSections } from './sections';

interface PreviewProps {
  text: string;
  cells: FilledCell[];
  sessionId: string | null;
  readmePath: string | null;
}

/** A filled cell relative to its section, as the section's memo key carries it. */
interface SectionCell {
  from: number;
  to: number;
  benchmark: string;
  previous: string | null;
}

export const CardPreview = memo(function CardPreview({ text, cells, sessionId, readmePath }: PreviewProps) {
  const layout = useMemo(() => documentLayout(text), [text]);
  const { sections, definitions } = useMemo(
    () => splitSections(text.slice(layout.bodyStart), layout.bodyStart),
    [text, layout.bodyStart],
  );
  const yaml = layout.frontMatter
    ? text.slice(layout.frontMatter.contentStart, layout.frontMatter.contentEnd)
    : null;

  return (
    <div className="card-md" role="region" aria-label="Preview">
      {yaml !== null && <FrontMatter yaml={yaml} />}
      {sections.map((section, index) => {
        const end = section.start + section.text.length;
        const own: SectionCell[] = cells
          .filter((c) => c.from < end && c.to > section.start)
          .map((c) => ({
            from: c.from - section.start,
            to: c.to - section.start,
            benchmark: c.benchmark,
            previous: c.previous,
          }));
        return (
          <PreviewSection
            // Index keys keep a section's memo across edits that only change its text.
            key={index}
            text={section.text}
            definitions={definitions}
            cellsKey={JSON.stringify(own)}
            sessionId={sessionId}
            readmePath={readmePath}
          />
        );
      })}
    </div>
  );
});

const REMARK_PLUGINS = [remarkGfm, remarkHubHtml];

function urlTransform(url: string, key: string): string {
  // Inline images are allowed by the CSP and by the Hub; everything else gets react-markdown's safe default.
  if (key === 'src' && url.trim().startsWith('data:image/')) return url;
  return defaultUrlTransform(url);
}

const PreviewSection = memo(function PreviewSection({
  text,
  definitions,
  cellsKey,
  sessionId,
  readmePath,
}: {
  text: string;
  definitions: string;
  cellsKey: string;
  sessionId: string | null;
  readmePath: string | null;
}) {
  const components = useMemo<Components>(() => {
    const cells = JSON.parse(cellsKey) as SectionCell[];
    const cellAt = (
      node: { position?: { start: { offset?: number }; end: { offset?: number } } } | undefined,
    ) => {
      const start = node?.position?.start.offset;
      const end = node?.position?.end.offset;
      if (start === undefined || end === undefined) return null;
      return cells.find((c) => c.from < end && c.to > start) ?? null;
    };
    return {
      td({ node, className, ...props }) {
        const cell = cellAt(node);
        if (!cell) return <td className={className} {...props} />;
        const changed = cell.previous !== null;
        return (
          <td
            {...props}
            className={`${className ?? ''} card-md__filled${changed ? ' card-md__filled--changed' : ''}`}
            data-benchmark={cell.benchmark}
            title={
              changed
                ? `Filled for the chosen checkpoint (was ${cell.previous?.trim() || 'empty'})`
                : 'Filled for the chosen checkpoint'
            }
          />
        );
      },
      img({ src, alt, title }) {
        return (
          <PreviewImage
            src={typeof src === 'string' ? src : ''}
            alt={alt ?? ''}
            title={title}
            sessionId={sessionId}
            readmePath={readmePath}
          />
        );
      },
      a({ href, children, node: _node, ...props }) {
        return (
          <PreviewLink href={href} {...props}>
            {children}
          </PreviewLink>
        );
      },
    };
  }, [cellsKey, sessionId, readmePath]);

  return (
    // Off-screen sections skip layout and paint (content-visibility), which keeps a long card cheap to show.
    <div className="card-md__section">
      <Markdown remarkPlugins={REMARK_PLUGINS} components={components} urlTransform={urlTransform}>
        {definitions ? `${text}\n\n${definitions}\n` : text}
      </Markdown>
    </div>
  );
});

function PreviewLink({ href, children, ...props }: ComponentProps<'a'>) {
  const external = !!href && /^https?:\/\//i.test(href);
  const onClick = (event: MouseEvent) => {
    // The app window never navigates; Hub links open in the browser (the main process checks the allow-list).
    event.preventDefault();
    if (external) void api.app.openExternal({ url: href });
  };
  return (
    <a
      {...props}
      href={href}
      onClick={onClick}
      title={external ? href : `${href ?? ''} (a file of the repository)`}
    >
      {children}
    </a>
  );
}

function PreviewImage({
  src,
  alt,
  title,
  sessionId,
  readmePath,
}: {
  src: string;
  alt: string;
  title?: string | null;
  sessionId: string | null;
  readmePath: string | null;
}) {
  const source = useMemo(() => resolveImage(readmePath, src), [readmePath, src]);
  const result = useImage(sessionId, source.kind === 'workspace' ? source.path : null);
  if (source.kind === 'inline') return <img src={source.url} alt={alt} title={title ?? undefined} />;
  if (source.kind === 'external') {
    return (
      <span className="card-md__image-note" role="img" aria-label={alt || 'External image'}>
        External image, shown on the Hub only: {src}
      </span>
    );
  }
  if (source.kind === 'invalid') {
    return (
      <span className="card-md__image-note card-md__image-note--bad" role="img" aria-label={alt || 'Image'}>
        {source.reason}
      </span>
    );
  }
  if (result.status === 'ok') return <img src={result.url} alt={alt} title={title ?? undefined} />;
  if (result.status === 'loading')
    return (
      <span className="card-md__image-note" aria-busy="true">
        {alt || src}
      </span>
    );
  return (
    <span
      className="card-md__image-note card-md__image-note--bad"
      role="img"
      aria-label={alt || 'Missing image'}
    >
      {result.status === 'missing' ? `Missing image: ${source.path}` : `${source.path}: ${result.message}`}
    </span>
  );
}
