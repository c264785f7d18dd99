/**
 * Raw HTML in a card, the way the preview shows it. The Hub renders a sanitised subset of HTML; cards use
 * it mostly for centred logos (`<div align="center"><img src=…></div>`), line breaks and comments. Without
 * an HTML parser in the bundle, images and breaks are kept and every other tag is dropped, rather than
 * shown as literal markup the Hub would never display.
 */
import type { Image, Nodes, Paragraph, PhrasingContent, Root } from 'mdast';

const IMG = /<img\b([^>]*)>/gi;
const ATTR = (name: string) => new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i');

function attr(tag: string, name: string): string | null {
  const m = ATTR(name).exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3] ?? '') : null;
}

function imagesIn(html: string): Image[] {
  const images: Image[] = [];
  for (const m of html.matchAll(IMG)) {
    const src = attr(m[1] ?? '', 'src');
    if (src) images.push({ type: 'image', url: src, alt: attr(m[1] ?? '', 'alt') ?? '', title: attr(m[1] ?? '', 'title') });
  }
  return images;
}

function replaceHtml(node: Nodes): void {
  if (!('children' in node)) return;
  const inline = node.type === 'paragraph' || node.type === 'heading' || node.type === 'tableCell' || node.type === 'emphasis' || node.type === 'strong' || node.type === 'link';
  const children: Nodes[] = [];
  for (const child of node.children as Nodes[]) {
    if (child.type !== 'html') {
      replaceHtml(child);
      children.push(child);
      continue;
    }
    const images = imagesIn(child.value);
    if (inline) {
      if (/^<br\s*\/?>$/i.test(child.value.trim())) children.push({ type: 'break' });
      children.push(...images);
    } else if (images.length > 0) {
      const paragraph: Paragraph = { type: 'paragraph', children: images as PhrasingContent[], position: child.position };
      // Logos in `<div align="center">` / `<p align="center">` are centred on the Hub.
      if (/\balign\s*=\s*["']?center/i.test(child.value)) paragraph.data = { hProperties: { className: ['card-md__center'] } };
      children.push(paragraph);
    }
  }
  (node as { children: Nodes[] }).children = children;
}

/** remark plugin. */
export function remarkHubHtml() {
  return (tree: Root) => {
    replaceHtml(tree);
  };
}
