// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeApi, type FakeApi } from '../../testing/fake-api';
import type * as Images from './images';

let fake: FakeApi;
let images: typeof Images;

beforeEach(async () => {
  vi.resetModules();
  fake = createFakeApi();
  window.api = fake.api;
  images = await import('./images');
});

describe('images of the card, resolved as the Hub resolves them', () => {
  it('reads a relative path from the README’s folder, a leading slash from the repo root', () => {
    expect(images.resolveImage('docs/README.md', 'img/plot.png')).toEqual({
      kind: 'workspace',
      path: 'docs/img/plot.png',
    });
    expect(images.resolveImage('docs/README.md', '/assets/logo.png')).toEqual({
      kind: 'workspace',
      path: 'assets/logo.png',
    });
    expect(images.resolveImage('README.md', './a%20b.png?raw=true')).toEqual({
      kind: 'workspace',
      path: 'a b.png',
    });
    expect(images.resolveImage('README.md', '../secret.png')).toMatchObject({ kind: 'invalid' });
    expect(images.resolveImage('README.md', 'https://example.com/x.png')).toEqual({
      kind: 'external',
      url: 'https://example.com/x.png',
    });
    expect(images.resolveImage('README.md', 'data:image/png;base64,AAAA')).toMatchObject({ kind: 'inline' });
  });

  it('finds Markdown and HTML images outside code blocks and inline code', () => {
    const markdown = [
      '![plot](plot.png "Loss")',
      '<img width="20" src="logo.svg">',
      '```',
      '![not](code.png)',
      '```',
      '`![no](inline.png)`',
    ].join('\n');
    expect(images.referencedImages(markdown)).toEqual(['plot.png', 'logo.svg']);
  });

  it('asks the main process once per image and tells a missing file from a refusal', async () => {
    fake.answer('workspace:image', (args) => {
      const { path } = args as { path: string };
      if (path === 'plot.png') return { ok: true, value: 'data:image/png;base64,AAAA' };
      if (path === 'gone.png') return { ok: true, value: null };
      return { ok: false, error: { code: 'UNREADABLE', message: 'Not a regular file.' } };
    });
    expect(await images.loadImage('ws-0000000000000001', 'plot.png')).toEqual({
      status: 'ok',
      url: 'data:image/png;base64,AAAA',
    });
    expect(await images.loadImage('ws-0000000000000001', 'plot.png')).toEqual({
      status: 'ok',
      url: 'data:image/png;base64,AAAA',
    });
    expect(await images.loadImage('ws-0000000000000001', 'gone.png')).toEqual({ status: 'missing' });
    expect(await images.loadImage('ws-0000000000000001', 'fifo.png')).toEqual({
      status: 'error',
      message: 'Not a regular file.',
    });
    expect(fake.callsTo('workspace:image')).toEqual([
      { sessionId: 'ws-0000000000000001', path: 'plot.png' },
      { sessionId: 'ws-0000000000000001', path: 'gone.png' },
      { sessionId: 'ws-0000000000000001', path: 'fifo.png' },
    ]);
  });
});
