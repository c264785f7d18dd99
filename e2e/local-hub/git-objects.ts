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
    // One regular expression per rule, tested on the path and then its file name, is what picomatch's `basename`
    // option does, without splitting the path again for every rule (a preupload of 10,000 files paid for that).
    const anchored = pattern.replace(/^\//, '');
    const re = picomatch.makeRe(anchored, { dot: true });
    const matches = anchored.includes('/') ? (path: string) => re.test(path) : (path: string) => re.test(path) || re.test(path.slice(path.lastIndexOf('/') + 1));
    rules.push({ matches, lfs });
  }
  return (path) => {
    let lfs = false;
    for (const rule of rules) if (rule.matches(path)) lfs = rule.lfs;
    return lfs;
  };
}

/**
 * Every folder of a flat tree with a stable 40-hex id derived from what it contains (SHA-1 over
 * `path\0oid\n` of each file below it, in path order), in one pass over the sorted paths: each file feeds
 * the hash of each of its ancestors, so a listing of a big tree costs O(files), not O(files x folders).
 */
export function folderTreeOids(files: Record<string, { oid: string }>): Map<string, string> {
  const hashes = new Map<string, ReturnType<typeof createHash>>();
  for (const path of Object.keys(files).sort()) {
    const line = `${path}\0${files[path]!.oid}\n`;
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const folder = path.slice(0, slash);
      let hash = hashes.get(folder);
      if (!hash) hashes.set(folder, (hash = createHash('sha1')));
      hash.update(line);
    }
  }
  return new Map([...hashes].map(([folder, hash]) => [folder, hash.digest('hex')]));
}
