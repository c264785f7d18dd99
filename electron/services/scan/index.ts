/**
 * Workspace scanning: every checkpoint under a folder (any naming, nested runs, the folder itself), what
 * each holds, what is wrong with it, and the workspace-level files around them (README and its images,
 * a token file's presence, the evaluation setup).
 *
 * Read-only by construction: nothing here opens a file for writing. Fast by construction: one readdir per
 * folder, one stat per checkpoint file, and for safetensors only the header; all file-system calls go
 * through one bounded pool.
 */
import { constants, type Dirent, type Stats } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';
import { readKnownSize } from './fsx';
import { readBoundedText } from '../safe-read';
import path from 'node:path';
import { compareCheckpointNames, stepFromName } from '../../../shared/checkpoints';
import { AppError } from '../../../shared/result';
import type {
  CheckpointFile,
  CheckpointInfo,
  CheckpointProblem,
  JobProgress,
  ScanPhase,
  ScanResult,
  WeightsFormat,
} from '../../../shared/types';
import { createLimiter, mapFs, mapLimit, type Limiter } from './limit';
import { referencedPaths } from './readme';
import {
  README_NAME,
  TOKEN_FILE_NAMES,
  WORKSPACE_CONFIG_FILE,
  isModelWeightsName,
  isTokenizerCore,
  roleOf,
} from './roles';
import { CorruptSafetensorsError, readSafetensorsHeader } from './safetensors';

export { readSafetensorsHeader, CorruptSafetensorsError } from './safetensors';
export { README_NAME, roleOf, TOKEN_FILE_NAMES, WORKSPACE_CONFIG_FILE } from './roles';
export { referencedPaths } from './readme';

export interface ScanOptions {
  signal?: AbortSignal;
  onProgress?: (progress: JobProgress) => void;
  /** Concurrent file-system calls while walking folders (default 64). */
  concurrency?: number;
  /** How deep to look for checkpoints below the root (default 8). */
  maxDepth?: number;
}

/** Folders that never hold checkpoints and can be huge. */
const SKIP_DIRS = new Set([
  'node_modules',
  '__pycache__',
  'site-packages',
  'wandb',
  'mlruns',
  'lightning_logs',
]);

/** A folder named like a checkpoint is reported even without weights (they may still be being written). */
const CHECKPOINT_NAME = /^(step|checkpoint|ckpt|global_step|epoch|iter|iteration)[-_]?\d+$/i;

/**
 * Checkpoints analysed at once, and files of one checkpoint stat'ed or opened at once: together they bound
 * the file-system calls in flight (libuv runs 4 at a time; more queued only costs memory and handles).
 */
const CHECKPOINTS_AT_ONCE = 16;
const FILES_AT_ONCE = 8;

/** A workspace is a few thousand folders; a dataset or home folder dropped by mistake is millions. */
const MAX_DIRS = 100_000;

const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** The one README size limit: the scanner's, the model card's and the IPC contract's. */
export const MAX_README_BYTES = 8 * 1024 * 1024;

interface DirEntryInfo {
  name: string;
  /** Absolute path. */
  abs: string;
  /** Set when the entry is a symlink whose target could not be resolved. */
  broken?: string;
}

interface DirRecord {
  abs: string;
  /** Relative to the root with `/`, '' for the root. */
  rel: string;
  files: DirEntryInfo[];
  subdirs: string[];
}

/**
 * What the folder holds: checkpoints, README, token file, result files. How the workspace is evaluated is
 * not the scanner's business (`evaluate`'s `scanWorkspace` adds it), so scanning never calls into evaluation.
 */
export interface FolderScan extends Omit<ScanResult, 'evaluation'> {
  /** Absolute paths of harness result files (`results*.json`) found outside the checkpoints. */
  resultFiles: string[];
}

export async function scanFolder(root: string, options: ScanOptions = {}): Promise<FolderScan> {
  const { signal } = options;
  const limit = createLimiter(options.concurrency ?? 64);
  const maxDepth = options.maxDepth ?? 8;
  const warnings: string[] = [];

  const rootStat = await stat(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw new AppError(
      'UNREADABLE',
      `${root} cannot be read (${err.code ?? err.message}). Check its permissions.`,
    );
  });
  if (!rootStat)
    throw new AppError('NOT_FOUND', `${root} does not exist. Choose a folder of training output.`);
  if (!rootStat.isDirectory()) {
    throw new AppError(
      'NOT_A_DIRECTORY',
      `${root} is a file. Choose the folder that holds your checkpoints.`,
    );
  }
  const rootReal = await realpath(root);

  // Phase 1: walk the tree, names only.
  const dirs = new Map<string, DirRecord>();
  const visitedExternal = new Set<string>();
  let dirsRead = 0;
  let dirsQueued = 1;
  let truncated = false;
  const report = (phase: ScanPhase, done: number, total: number, message?: string) =>
    options.onProgress?.({ phase, done, total, unit: 'items', ...(message ? { message } : {}) });

  const walk = async (abs: string, rel: string, depth: number): Promise<void> => {
    signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await limit(() => readdir(abs, { withFileTypes: true }));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      if (rel === '')
        throw new AppError('UNREADABLE', `${root} cannot be read (${code}). Check its permissions.`);
      warnings.push(`Skipped ${rel}: cannot be read (${code}).`);
      return;
    } finally {
      dirsRead++;
      report('walk', dirsRead, dirsQueued, rel || '.');
    }
    const record: DirRecord = { abs, rel, files: [], subdirs: [] };
    dirs.set(rel, record);
    const children: Promise<void>[] = [];
    const enter = (name: string, childAbs: string) => {
      const childRel = rel ? `${rel}/${name}` : name;
      record.subdirs.push(childRel);
      if (depth + 1 > maxDepth) return;
      if (dirsQueued >= MAX_DIRS) {
        if (!truncated) warnings.push(`Stopped looking after ${MAX_DIRS} folders; choose a narrower folder.`);
        truncated = true;
        return;
      }
      dirsQueued++;
      children.push(walk(childAbs, childRel, depth + 1));
    };
    for (const entry of entries) {
      const childAbs = path.join(abs, entry.name);
      if (entry.isDirectory()) {
        if (!skipDir(entry.name)) enter(entry.name, childAbs);
      } else if (entry.isSymbolicLink()) {
        children.push(
          (async () => {
            const target = await limit(() => stat(childAbs)).catch((err: NodeJS.ErrnoException) => err);
            if (target instanceof Error) {
              // Broken links and self-referencing links (ELOOP) are reported as files that cannot be read.
              record.files.push({ name: entry.name, abs: childAbs, broken: target.code ?? target.message });
              return;
            }
            if (!target.isDirectory()) {
              record.files.push({ name: entry.name, abs: childAbs });
              return;
            }
            if (skipDir(entry.name)) return;
            const real = await limit(() => realpath(childAbs)).catch(() => null);
            if (!real) return;
            // A link back into the workspace is either a loop or an alias (`last -> checkpoint-500`): the
            // target is walked under its own name, so following it would only hang or duplicate.
            if (
              real === rootReal ||
              real.startsWith(rootReal + path.sep) ||
              rootReal.startsWith(real + path.sep)
            ) {
              warnings.push(
                `Did not follow ${rel ? `${rel}/` : ''}${entry.name}: it links back into the workspace.`,
              );
              return;
            }
            if (visitedExternal.has(real)) return;
            visitedExternal.add(real);
            enter(entry.name, childAbs);
          })(),
        );
      } else if (entry.isFile() || !entry.isDirectory()) {
        // FIFOs, sockets and devices are listed but never opened (opening a FIFO blocks forever).
        record.files.push({ name: entry.name, abs: childAbs });
      }
    }
    // Children of links are pushed asynchronously, so wait until the set stops growing.
    for (let i = 0; i < children.length; i++) await children[i];
  };
  await walk(root, '', 0);
  signal?.throwIfAborted();

  // Phase 2: which folders are checkpoints.
  const checkpointRels: string[] = [];
  for (const d of dirs.values()) {
    const names = d.files.map((f) => f.name);
    const hasConfig = names.includes('config.json');
    const hasWeights = names.some(isModelWeightsName);
    const base = d.rel === '' ? path.basename(root) : path.posix.basename(d.rel);
    if (insideEvaluationScripts(d.rel)) continue;
    if (hasWeights || (hasConfig && CHECKPOINT_NAME.test(base))) {
      checkpointRels.push(d.rel);
    }
  }
  const checkpointSet = new Set(checkpointRels);
  // Every folder that has a checkpoint somewhere below it.
  const holdsCheckpoints = new Set<string>();
  for (const c of checkpointRels) {
    let cur = c;
    while (cur !== '') {
      const slash = cur.lastIndexOf('/');
      cur = slash < 0 ? '' : cur.slice(0, slash);
      holdsCheckpoints.add(cur);
    }
  }
  const containsCheckpoint = (rel: string): boolean => holdsCheckpoints.has(rel);

  // Phase 3: each checkpoint's files, stats and problems.
  let analysed = 0;
  report('checkpoints', 0, checkpointRels.length);
  const checkpoints = await mapLimit(checkpointRels, CHECKPOINTS_AT_ONCE, async (rel) => {
    const info = await analyseCheckpoint(root, rel, dirs, checkpointSet, containsCheckpoint(rel), signal);
    analysed++;
    report('checkpoints', analysed, checkpointRels.length, info.name);
    return info;
  });
  checkpoints.sort((a, b) => compareCheckpointNames(a.relPath, b.relPath));
  if (checkpoints.length === 0) {
    warnings.push(
      'No checkpoints found: a checkpoint is a folder with config.json and model weights (.safetensors or .bin).',
    );
  }

  // Phase 4: workspace-level files.
  const rootFiles = dirs.get('')?.files ?? [];
  const tokenEntry = TOKEN_FILE_NAMES.map((n) => rootFiles.find((f) => f.name === n)).find(
    (f) => f !== undefined,
  );
  const tokenFile = tokenEntry ? tokenEntry.abs : null;
  if (tokenFile) {
    warnings.push(
      `${path.basename(tokenFile)} holds a token: it is never read by the scanner and never published.`,
    );
  }

  const { readme, readmeAssets } = await findReadme(root, rootFiles, checkpoints, limit);

  const resultFiles: string[] = [];
  for (const d of dirs.values()) {
    if (ownerCheckpoint(d.rel, checkpointSet) !== null) continue;
    for (const f of d.files) if (/^results.*\.json$/i.test(f.name)) resultFiles.push(f.abs);
  }
  return { root, checkpoints, readme, readmeAssets, tokenFile, resultFiles, warnings };
}

function skipDir(name: string): boolean {
  return name.startsWith('.') || SKIP_DIRS.has(name);
}

function insideEvaluationScripts(rel: string): boolean {
  return rel === 'evaluation' || rel.startsWith('evaluation/');
}

/** The checkpoint a folder belongs to: itself, or its nearest ancestor checkpoint (the root excepted). */
function ownerCheckpoint(rel: string, checkpoints: Set<string>): string | null {
  let cur = rel;
  while (cur !== '') {
    if (checkpoints.has(cur)) return cur;
    const slash = cur.lastIndexOf('/');
    cur = slash < 0 ? '' : cur.slice(0, slash);
  }
  return null;
}

async function analyseCheckpoint(
  root: string,
  rel: string,
  dirs: Map<string, DirRecord>,
  checkpointSet: Set<string>,
  hasNested: boolean,
  signal: AbortSignal | undefined,
): Promise<CheckpointInfo> {
  const dir = dirs.get(rel);
  const abs = dir?.abs ?? path.join(root, rel);
  const name = rel === '' ? path.basename(root) : rel;
  const problems: CheckpointProblem[] = [];

  // Its own files, plus subfolders (e.g. DeepSpeed's global_stepN) unless they hold checkpoints themselves.
  // The root and any folder holding other checkpoints keep only their direct files: their subfolders are
  // other runs, logs and scripts, not parts of this model.
  const entries: { rel: string; entry: DirEntryInfo }[] = [];
  const collect = (d: DirRecord, prefix: string) => {
    for (const f of d.files) {
      if (
        rel === '' &&
        prefix === '' &&
        (TOKEN_FILE_NAMES.includes(f.name) || f.name === WORKSPACE_CONFIG_FILE)
      )
        continue;
      entries.push({ rel: prefix ? `${prefix}/${f.name}` : f.name, entry: f });
    }
    if (hasNested || rel === '') return;
    for (const sub of d.subdirs) {
      if (checkpointSet.has(sub)) continue;
      const child = dirs.get(sub);
      if (child) collect(child, prefix ? `${prefix}/${path.posix.basename(sub)}` : path.posix.basename(sub));
    }
  };
  if (dir) collect(dir, '');

  signal?.throwIfAborted();
  // Thousands of files in a checkpoint (samples, shards of a dataset) are thousands of stats: mapFs makes them
  // synchronously in slices while storage answers fast, and in parallel when it does not.
  const stats = await mapFs(
    entries,
    async ({ rel: fileRel, entry }, fs) => {
      if (entry.broken) return { fileRel, entry, stats: null, error: entry.broken };
      try {
        const st = await fs.stat(entry.abs);
        return st
          ? { fileRel, entry, stats: st, error: null }
          : { fileRel, entry, stats: null, error: 'ENOENT' };
      } catch (err) {
        return { fileRel, entry, stats: null, error: (err as NodeJS.ErrnoException).code ?? String(err) };
      }
    },
    { signal, concurrency: FILES_AT_ONCE },
  );
  const ids = { uid: process.getuid?.(), gid: process.getgid?.() };

  const files: CheckpointFile[] = [];
  const regular = new Map<string, Stats>();
  for (const s of stats) {
    const role = roleOf(s.fileRel);
    if (!s.stats) {
      problems.push({
        code: 'unreadable',
        message: `${s.fileRel} cannot be read (${s.error}).`,
        file: s.fileRel,
      });
      // Not listed as a file: what cannot be read cannot be published or fingerprinted.
      continue;
    }
    if (!s.stats.isFile()) {
      if (role === 'weights' || role === 'config' || role === 'weights-index') {
        problems.push({
          code: 'unreadable',
          message: `${s.fileRel} is not a regular file.`,
          file: s.fileRel,
        });
      }
      continue;
    }
    if (!(await readable(s.entry.abs, s.stats, ids))) {
      // Listed by the folder but not readable by us: publishing would fail half-way, so it is a problem now.
      problems.push({
        code: 'unreadable',
        message: `${s.fileRel} cannot be read (permission denied). Fix its permissions (chmod u+r) or move it out of the checkpoint.`,
        file: s.fileRel,
      });
      continue;
    }
    regular.set(s.fileRel, s.stats);
    files.push({
      path: s.fileRel,
      bytes: s.stats.size,
      role,
      mtimeMs: s.stats.mtimeMs,
      ino: s.stats.ino,
      ctimeMs: s.stats.ctimeMs,
    });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  // config.json
  const configStat = regular.get('config.json');
  if (!configStat) {
    if (!problems.some((p) => p.file === 'config.json')) {
      problems.push({
        code: 'missing-config',
        message: 'No config.json: the model cannot be loaded without it.',
      });
    }
  } else if (configStat.size > MAX_CONFIG_BYTES) {
    problems.push({
      code: 'invalid-config',
      message: `config.json is ${configStat.size} bytes: too large to be a model config.`,
      file: 'config.json',
    });
  } else {
    try {
      const parsed: unknown = JSON.parse(await readKnownSize(path.join(abs, 'config.json'), configStat.size));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not a JSON object');
    } catch (err) {
      const why =
        err instanceof SyntaxError
          ? 'is not valid JSON'
          : `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
      problems.push({ code: 'invalid-config', message: `config.json ${why}.`, file: 'config.json' });
    }
  }

  // Weights: format, sizes, safetensors headers, shard indexes.
  const weightFiles = files.filter((f) => f.role === 'weights');
  const st = weightFiles.filter((f) => f.path.endsWith('.safetensors'));
  const pt = weightFiles.filter((f) => !f.path.endsWith('.safetensors'));
  const format: WeightsFormat =
    st.length && pt.length ? 'mixed' : st.length ? 'safetensors' : pt.length ? 'pytorch' : 'none';
  const indexes = files.filter((f) => f.role === 'weights-index');
  const sharded = indexes.length > 0;
  if (
    weightFiles.length === 0 &&
    !problems.some((p) => p.code === 'unreadable' && roleOf(p.file ?? '') === 'weights')
  ) {
    problems.push({ code: 'missing-weights', message: 'No model weights (.safetensors or .bin).' });
  }
  for (const w of weightFiles) {
    if (w.bytes === 0) problems.push({ code: 'empty-weights', message: `${w.path} is empty.`, file: w.path });
  }

  let parameters = 0;
  const dtypes = new Set<string>();
  const dataBytes = new Map<string, number>();
  await mapLimit(
    st.filter((w) => w.bytes > 0),
    FILES_AT_ONCE,
    async (w) => {
      try {
        const summary = await readSafetensorsHeader(path.join(abs, w.path), w.bytes);
        parameters += summary.parameters;
        for (const d of summary.dtypes) dtypes.add(d);
        dataBytes.set(w.path, summary.dataBytes);
      } catch (err) {
        if (err instanceof CorruptSafetensorsError) {
          problems.push({ code: 'corrupt-safetensors', message: `${w.path} ${err.message}.`, file: w.path });
        } else {
          const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          problems.push({ code: 'unreadable', message: `${w.path} cannot be read (${code}).`, file: w.path });
        }
      }
    },
  );

  for (const index of indexes) {
    await checkIndex(abs, index, regular, dataBytes, problems);
  }

  const weightsBytes = weightFiles.reduce((a, f) => a + f.bytes, 0);
  const hasTokenizer = files.some(
    (f) => f.role === 'tokenizer' && isTokenizerCore(path.posix.basename(f.path)),
  );
  problems.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.code.localeCompare(b.code));

  return {
    name,
    path: abs,
    relPath: rel === '' ? '.' : rel,
    step: stepFromName(rel === '' ? path.basename(root) : path.posix.basename(rel)),
    valid: problems.length === 0,
    problems,
    weights: {
      format,
      sharded,
      bytes: weightsBytes,
      parameters: st.length > 0 && dataBytes.size > 0 ? parameters : null,
      dtypes: [...dtypes].sort(),
    },
    hasTokenizer,
    files,
    totalBytes: files.reduce((a, f) => a + f.bytes, 0),
  };
}

/**
 * Whether this process may read the file: decided from the mode bits already at hand (no extra system
 * call for the usual readable file), confirmed with access(2) only when they say no (groups, ACLs).
 */
async function readable(
  file: string,
  st: Stats,
  { uid, gid }: { uid: number | undefined; gid: number | undefined },
): Promise<boolean> {
  if (uid === undefined || uid === 0) return true;
  const bits = st.uid === uid ? 0o400 : st.gid === gid ? 0o040 : 0o004;
  if (st.mode & bits) return true;
  return access(file, constants.R_OK).then(
    () => true,
    () => false,
  );
}

async function checkIndex(
  abs: string,
  index: CheckpointFile,
  regular: Map<string, Stats>,
  dataBytes: Map<string, number>,
  problems: CheckpointProblem[],
): Promise<void> {
  let parsed: { metadata?: { total_size?: unknown }; weight_map?: unknown };
  try {
    parsed = JSON.parse(await readKnownSize(path.join(abs, index.path), index.bytes)) as typeof parsed;
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      typeof parsed.weight_map !== 'object' ||
      parsed.weight_map === null
    ) {
      throw new SyntaxError('no weight_map');
    }
  } catch (err) {
    const why =
      err instanceof SyntaxError
        ? 'is not a valid shard index (JSON with a weight_map)'
        : `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    problems.push({ code: 'unreadable', message: `${index.path} ${why}.`, file: index.path });
    return;
  }
  const dir = path.posix.dirname(index.path);
  const shardRel = (s: string) => (dir === '.' ? s : `${dir}/${s}`);
  const shards = [
    ...new Set(
      Object.values(parsed.weight_map as Record<string, unknown>).filter(
        (v): v is string => typeof v === 'string',
      ),
    ),
  ];
  const missing = shards.filter((s) => !regular.has(shardRel(s)));
  for (const s of missing) {
    problems.push({
      code: 'missing-shard',
      message: `${s} is listed in ${index.path} but is not in the folder.`,
      file: shardRel(s),
    });
  }
  const totalSize = parsed.metadata?.total_size;
  if (missing.length > 0 || typeof totalSize !== 'number') return;
  if (index.path.endsWith('.safetensors.index.json')) {
    // total_size counts tensor bytes; some tools write the sum of file sizes instead, which is also fine.
    if (!shards.every((s) => dataBytes.has(shardRel(s)))) return;
    const tensorBytes = shards.reduce((a, s) => a + (dataBytes.get(shardRel(s)) ?? 0), 0);
    const fileBytes = shards.reduce((a, s) => a + (regular.get(shardRel(s))?.size ?? 0), 0);
    if (totalSize !== tensorBytes && totalSize !== fileBytes) {
      problems.push({
        code: 'index-size-mismatch',
        message: `${index.path} says total_size ${totalSize} but its shards hold ${tensorBytes} bytes of tensors.`,
        file: index.path,
      });
    }
  } else {
    // Pickles carry overhead beyond the tensors, so only a total larger than the shards is certainly wrong.
    const fileBytes = shards.reduce((a, s) => a + (regular.get(shardRel(s))?.size ?? 0), 0);
    if (totalSize > fileBytes) {
      problems.push({
        code: 'index-size-mismatch',
        message: `${index.path} says total_size ${totalSize} but its shards are only ${fileBytes} bytes.`,
        file: index.path,
      });
    }
  }
}

async function findReadme(
  root: string,
  rootFiles: DirEntryInfo[],
  checkpoints: CheckpointInfo[],
  limit: Limiter,
): Promise<{ readme: string | null; readmeAssets: { path: string; exists: boolean }[] }> {
  let readme = rootFiles.find((f) => README_NAME.test(f.name))?.abs ?? null;
  if (!readme) {
    // No workspace README: the latest checkpoint that carries its own stands for the model card.
    for (let i = checkpoints.length - 1; i >= 0 && !readme; i--) {
      const c = checkpoints[i];
      const file = c?.files.find((f) => f.role === 'readme' && !f.path.includes('/'));
      if (c && file) readme = path.join(c.path, file.path);
    }
  }
  if (!readme) return { readme: null, readmeAssets: [] };
  let text: string;
  try {
    const read = await limit(() => readBoundedText(readme, { maxBytes: MAX_README_BYTES }));
    if (read === null) return { readme, readmeAssets: [] };
    text = read;
  } catch {
    return { readme, readmeAssets: [] };
  }
  const base = path.dirname(readme);
  const readmeAssets = await Promise.all(
    referencedPaths(text).map(async (rel) => {
      const s = await limit(() => stat(path.join(base, rel))).catch(() => null);
      return { path: rel, exists: !!s?.isFile() };
    }),
  );
  return { readme, readmeAssets };
}
