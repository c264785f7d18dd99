import { createHash } from 'node:crypto';
import picomatch from 'picomatch';

/** Git's object id for a blob: SHA-1 over `blob <len>\0<content>`. */
export function gitBlobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** The text git-lfs commits in place of a large file; the Hub's `/raw/` serves it for LFS files. */
export function lfsPointerText(sha256: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;
}

/** The `.gitattributes` the Hub puts in every new model repo. */
export const defaultGitAttributes = [
  '*.7z', '*.arrow', '*.bin', '*.bz2', '*.ckpt', '*.ftz', '*.gz', '*.h5', '*.joblib', '*.lfs.*', '*.mlmodel', '*.model',
  '*.msgpack', '*.npy', '*.npz', '*.onnx', '*.ot', '*.parquet', '*.pb', '*.pickle', '*.pkl', '*.pt', '*.pth', '*.rar',
  '*.safetensors', 'saved_model/**/*', '*.tar.*', '*.tar', '*.tflite', '*.tgz', '*.wasm', '*.xz', '*.zip', '*.zst', '*tfevents*',
]
  .map((pattern) => `${pattern} filter=lfs diff=lfs merge=lfs -text\n`)
  .join('');

/** A matcher for the paths a `.gitattributes` text routes through LFS (`filter=lfs`, later lines win). */
export function lfsPathMatcher(gitAttributes: string): (path: string) => boolean {
  const rules: { matches: (path: string) => boolean; lfs: boolean }[] = [];
  for (const rawLine of gitAttributes.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const [pattern, ...attributes] = line.split(/\s+/);
    if (!pattern) continue;
    const lfs = attributes.includes('filter=lfs') ? true : attributes.some((a) => a === '-filter' || a === '!filter') ? false : undefined;
    if (lfs === undefined) continue;
    // Git matches slash-free patterns against the file name at any depth, others against the path from the root.
    const anchored = pattern.replace(/^\//, '');
    const matches = picomatch(anchored, { dot: true, basename: !anchored.includes('/') });
    rules.push({ matches, lfs });
  }
  return (path) => {
    let lfs = false;
    for (const rule of rules) if (rule.matches(path)) lfs = rule.lfs;
    return lfs;
  };
}

/** A stable 40-hex id for a directory of a commit, derived from what it contains. */
export function treeOid(entries: Iterable<[string, string]>): string {
  const hash = createHash('sha1');
  for (const [path, oid] of entries) hash.update(`${path}\0${oid}\n`);
  return hash.digest('hex');
}
