import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// The renderer bundles this engine for the live preview: it and everything it imports (parser, YAML) must
// bundle for a platform without Node, or the preview breaks only in the packaged app.
describe('model card engine purity', () => {
  it('bundles for a platform without Node built-ins', async () => {
    const result = await build({
      entryPoints: [new URL('./index.ts', import.meta.url).pathname],
      bundle: true,
      write: false,
      platform: 'neutral',
      format: 'esm',
      mainFields: ['module', 'main'],
      logLevel: 'silent',
      metafile: true,
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes('micromark-extension-gfm-table'))).toBe(true);
    expect(inputs.filter((input) => input.startsWith('node:'))).toEqual([]);
  });
});
