/**
 * The upload plan: exactly which bytes go to which repo path. The chosen checkpoint's files minus training
 * state (include/exclude globs on top), the prepared README at the root, the files the README references
 * at the same relative paths, and nothing else. Files are read from disk as they are (never re-serialised);
 * the README comes from memory, so the workspace is never written to.
 */
import picomatch from 'picomatch';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatScore } from '../../../shared/format';
import { compileGlobs } from '../../../shared/glob';
import type { ExcludedFile, PlannedFile, PublishPlan } from '../../../shared/publish';
import { HF_TOKEN_PATTERN, redactSecrets } from '../../../shared/redact';
import { AppError } from '../../../shared/result';
import type { CheckpointFile, CheckpointInfo, JobProgress } from '../../../shared/types';
import {
  gitBlobOid,
  identityOf,
  REGULAR_FILE_MAX_BYTES,
  sha256Hex,
  type FileIdentity,
  type Hasher,
} from '../hash';
import { asyncFsCalls, mapFs, type FsCalls } from '../scan/limit';
import { measuredRate, remainingSeconds } from '../../../shared/units';

/** The digests the plan needs of a file on disk. */
interface FileDigestLike {
  size: number;
  sha256: string;
  gitOid: string | null;
}

/**
 * Where a planned file's bytes come from. `hashedAs`: the file as it was when its SHA-256 was taken, so an upload
 * that reads it again can tell (by stat) that it still is, without hashing it again.
 */
export type FileSource =
  | { kind: 'file'; absPath: string; size: number; hashedAs?: FileIdentity }
  | { kind: 'memory'; bytes: Uint8Array };

/** The plan plus what only the main process may know: where each file's bytes are. */
export interface LocalPlan {
  plan: PublishPlan;
  sources: Map<string, FileSource>;
}

/** Files the Hugging Face Trainer, DeepSpeed and friends write to resume training; never part of a model. */
export const TRAINING_STATE_PATTERNS = [
  'optimizer.pt',
  'optimizer.bin',
  'optimizer.safetensors',
  'scheduler.pt',
  'scaler.pt',
  'rng_state*.pth',
  'trainer_state.json',
  'training_args.bin',
  'global_step*/**',
  '**/zero_to_fp32.py',
  'latest',
  '**/*optim_states.pt',
];

/** Never uploaded, whatever the globs say: secrets and the evaluation harness. */
export const NEVER_UPLOAD_PATTERNS = [
  '**/hf_token.txt',
  '**/.env',
  '**/.env.*',
  '**/.git/**',
  'evaluation/**',
  '**/.hub-publisher/**',
];

/** The Hub's default `.gitattributes` LFS patterns: files that go through large-file storage at any size. */
const LFS_PATTERNS = [
  '*.7z',
  '*.arrow',
  '*.bin',
  '*.bz2',
  '*.ckpt',
  '*.ftz',
  '*.gz',
  '*.h5',
  '*.joblib',
  '*.lfs.*',
  '*.mlmodel',
  '*.model',
  '*.msgpack',
  '*.npy',
  '*.npz',
  '*.onnx',
  '*.ot',
  '*.parquet',
  '*.pb',
  '*.pickle',
  '*.pkl',
  '*.pt',
  '*.pth',
  '*.rar',
  '*.safetensors',
  'saved_model/**/*',
  '*.tar.*',
  '*.tar',
  '*.tflite',
  '*.tgz',
  '*.wasm',
  '*.xz',
  '*.zip',
  '*.zst',
  '*tfevents*',
];
/**
 * Whether a path matches a `.gitattributes` LFS pattern, as picomatch's `basename` option decides it (the
 * whole path, or else its last segment), with one regular expression: picomatch's own `basename` matching
 * splits every path for every pattern, which cost more than the rest of planning ten thousand files.
 */
const LFS_PATTERN_RE = new RegExp(
  LFS_PATTERNS.map((p) => `(?:${picomatch.makeRe(p, { dot: true }).source})`).join('|'),
);
const isLfsPattern = (repoPath: string) =>
  LFS_PATTERN_RE.test(repoPath) || LFS_PATTERN_RE.test(repoPath.slice(repoPath.lastIndexOf('/') + 1));
const isTrainingState = picomatch(TRAINING_STATE_PATTERNS, { dot: true });
const isNeverUpload = picomatch(NEVER_UPLOAD_PATTERNS, { dot: true });

export interface CommitLimits {
  /**
   * Most files per commit. Commit sizes adapt like huggingface_hub's upload pipeline: they start at
   * `startFiles` and step along COMMIT_SIZE_SCALE (20…1000), up after a commit that was fast and full,
   * down after one that took longer than TARGET_COMMIT_SECONDS.
   */
  maxFiles: number;
  /** Files in the first commit. */
  startFiles: number;
  /** Bytes per commit, so a very large upload is made of commits that each stand on their own. */
  maxBytes: number;
  /** Bytes of regular (non-LFS) files per commit: they travel inside the commit body, base64-encoded. */
  maxRegularBytes: number;
}

/** huggingface_hub's `COMMIT_SIZE_SCALE` (`_upload_pipeline.py`): the file counts a commit steps through. */
export const COMMIT_SIZE_SCALE = [20, 50, 75, 100, 125, 200, 250, 400, 600, 1000];
/** A commit faster than this (and full) lets the next one grow; a slower one shrinks it (huggingface_hub's value). */
export const TARGET_COMMIT_SECONDS = 40;

export const DEFAULT_COMMIT_LIMITS: CommitLimits = {
  maxFiles: 1000,
  startFiles: 250,
  maxBytes: 20 * 1024 ** 3,
  // huggingface_hub's REGULAR_CONTENT_BYTES_BUDGET.
  maxRegularBytes: 100 * 1024 ** 2,
};

/** How many files the next commit takes, from how long the last ones took. */
export class CommitPacer {
  private index: number;

  constructor(
    private readonly limits: Pick<CommitLimits, 'maxFiles' | 'startFiles'>,
    startFiles = limits.startFiles,
  ) {
    const i = COMMIT_SIZE_SCALE.findIndex((n) => n >= startFiles);
    this.index = i === -1 ? COMMIT_SIZE_SCALE.length - 1 : i;
  }

  get target(): number {
    return Math.max(1, Math.min(this.limits.maxFiles, COMMIT_SIZE_SCALE[this.index]!));
  }

  /** After a commit that landed: grow after a fast, full one; shrink after a slow one. */
  record(seconds: number, files: number): void {
    if (seconds < TARGET_COMMIT_SECONDS && files >= this.target)
      this.index = Math.min(this.index + 1, COMMIT_SIZE_SCALE.length - 1);
    else if (seconds > TARGET_COMMIT_SECONDS) this.index = Math.max(this.index - 1, 0);
  }
}

export interface PlanInput {
  checkpoint: CheckpointInfo;
  /** Where the README lives and its asset paths are relative to. */
  workspaceRoot: string;
  /** The prepared README text; null uploads the checkpoint's own README.md, if any. */
  readmeText: string | null;
  /** Relative paths the README references (relative to `workspaceRoot`). */
  readmeAssets: string[];
  /** Files the card generated (`.eval_results/*.yaml`), uploaded from memory next to the README. */
  cardFiles?: { path: string; text: string }[];
  /** Globs on checkpoint-relative paths: only matching files are uploaded (default: all). */
  include?: string[];
  /** Globs on checkpoint-relative paths, on top of training state. */
  exclude?: string[];
  /** Upload training state too (explicitly asked for). */
  includeTrainingState?: boolean;
  evalAccuracy: number | null;
  /** The metric the user chose to pick the best by, when not eval_accuracy, and this checkpoint's value. */
  bestMetric?: { name: string; value: number };
  hasher: Hasher;
  /** The user's token: any file containing it is refused, whatever it looks like. */
  token?: string | null;
  limits?: Partial<CommitLimits>;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
}

/** Code-point order: the same on every machine, whatever its locale. */
function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * Whether a real (resolved, normalised) path lies below `root`, as a prefix test made once per root:
 * planning asks it for every file, and path.relative on each cost more than reading the file.
 */
function insideOf(root: string): (real: string) => boolean {
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return (real) => real.length > prefix.length && real.startsWith(prefix);
}

/** Predicts what the Hub's preupload will say; the Hub's answer during upload is what counts. */
export function predictLfs(repoPath: string, size: number, sample?: Uint8Array): boolean {
  if (size === 0) return false;
  if (size >= REGULAR_FILE_MAX_BYTES || isLfsPattern(repoPath)) return true;
  return sample ? sample.subarray(0, 512).includes(0) : false;
}

export function commitTitle(
  checkpoint: string,
  evalAccuracy: number | null,
  bestMetric?: { name: string; value: number },
): string {
  // The title names what picked the checkpoint: eval_loss when the user chose it, eval_accuracy otherwise.
  if (bestMetric)
    return `Upload checkpoint ${checkpoint} (${bestMetric.name} ${formatScore(bestMetric.value)})`;
  const acc = evalAccuracy === null ? 'not evaluated' : `eval_accuracy ${formatScore(evalAccuracy)}`;
  return `Upload checkpoint ${checkpoint} (${acc})`;
}

type Selection = Pick<PlanInput, 'include' | 'exclude' | 'includeTrainingState'>;
const matchers = new WeakMap<
  Selection,
  { include: ((p: string) => boolean) | null; exclude: ((p: string) => boolean) | null }
>();

/** User globs: linear-time matching (picomatch backtracks exponentially on `*a*a*a…`); bad ones are refused. */
function userGlobs(patterns: string[] | undefined, flag: string): ((p: string) => boolean) | null {
  if (!patterns?.length) return null;
  try {
    return compileGlobs(patterns);
  } catch (err) {
    throw new AppError('INVALID_ARGUMENT', `${flag}: ${(err as Error).message}`);
  }
}

/** Why a checkpoint file stays out of the upload, or null when it goes. */
function exclusionReason(file: CheckpointFile, selection: Selection): ExcludedFile['reason'] | null {
  let m = matchers.get(selection);
  if (!m) {
    m = {
      include: userGlobs(selection.include, 'include'),
      exclude: userGlobs(selection.exclude, 'exclude'),
    };
    matchers.set(selection, m);
  }
  const rel = file.path;
  if (isNeverUpload(rel) || path.posix.basename(rel) === 'hf_token.txt') return 'never-uploaded';
  if (!selection.includeTrainingState && (file.role === 'training-state' || isTrainingState(rel)))
    return 'training-state';
  if (m.include && !m.include(rel)) return 'not-included';
  if (m.exclude?.(rel)) return 'excluded-by-pattern';
  return null;
}

/** Absolute paths of the checkpoint files a plan with this selection would upload. */
export function filesToUpload(checkpoint: CheckpointInfo, selection: Selection = {}): string[] {
  return (
    checkpoint.files
      // A token as a file name is refused by the plan; its path is never hashed (nor cached by path).
      .filter((f) => exclusionReason(f, selection) === null && !HF_TOKEN_PATTERN.test(f.path))
      .map((f) => path.join(checkpoint.path, ...f.path.split('/')))
  );
}

/**
 * What to hash ahead as soon as a checkpoint is selected: the files a plan would upload that the plan
 * hashes through the Hasher, i.e. those the scan found at REGULAR_FILE_MAX_BYTES or more (training state can
 * be larger than the model; it is never hashed). Smaller files are read whole by the plan itself, which
 * hashes and scans those very bytes, so a digest computed ahead for them would be thrown away.
 */
export function filesToHash(checkpoint: CheckpointInfo, selection: Selection = {}): string[] {
  const large = new Set(checkpoint.files.filter((f) => f.bytes >= REGULAR_FILE_MAX_BYTES).map((f) => f.path));
  return filesToUpload(
    { ...checkpoint, files: checkpoint.files.filter((f) => large.has(f.path)) },
    selection,
  );
}

/**
 * Why the file a link really is stays out: the never-upload rules apply to the target as well as to the
 * name (`notes.txt -> ../.env` is the `.env`), and nothing outside the workspace is published.
 */
function targetExclusion(
  workspaceRoot: string,
  real: string,
  inWorkspace = insideOf(workspaceRoot),
): ExcludedFile['reason'] | null {
  if (!inWorkspace(real)) return 'outside-workspace';
  const rel = toPosix(path.relative(workspaceRoot, real));
  if (isNeverUpload(rel) || path.posix.basename(rel) === 'hf_token.txt' || isNeverUploadName(rel))
    return 'never-uploaded';
  return null;
}

/** Secrets by name wherever they sit (the glob list anchors `evaluation/**` at the root). */
const isNeverUploadName = picomatch(
  ['**/hf_token.txt', '**/.env', '**/.env.*', '**/.git/**', '**/hub-publisher.json'],
  {
    dot: true,
  },
);

/**
 * Bytes of small regular files the plan keeps in memory for the commits (they are read whole here anyway).
 * Beyond it a file is read again when its commit is built, and checked against its planned digest then.
 */
export const PLAN_MEMORY_BUDGET_BYTES = 64 * 1024 * 1024;

/** Where a checkpoint file really is, resolving links; null when it is not a regular file (or gone). */
async function resolveFile(
  absPath: string,
  realDirs: Map<string, Promise<string | null>>,
  fs: FsCalls,
): Promise<{ real: string; size: number } | null> {
  // Whatever cannot be looked at (gone, no permission) is missing, as with the file itself.
  const attempt = <T>(call: () => T | Promise<T>) =>
    Promise.resolve()
      .then(call)
      .catch(() => null);
  const st = await attempt(() => fs.lstat(absPath));
  if (!st) return null;
  if (st.isFile()) {
    // Not a link itself: where it really is follows from its folder's real path, resolved once per folder.
    const dir = path.dirname(absPath);
    let realDir = realDirs.get(dir);
    if (!realDir) {
      realDir = attempt(() => fs.realpath(dir));
      realDirs.set(dir, realDir);
    }
    const base = await realDir;
    return base === null ? null : { real: path.join(base, path.basename(absPath)), size: st.size };
  }
  if (!st.isSymbolicLink()) return null;
  const real = await attempt(() => fs.realpath(absPath));
  const target = real ? await attempt(() => fs.stat(real)) : null;
  return real && target?.isFile() ? { real, size: target.size } : null;
}

/**
 * The whole content of a small file: one open, one read (of one byte more than expected, which tells that
 * the file grew since it was listed) and one close. A file that grew past what a regular file may be is
 * refused: the plan would no longer describe it.
 */
async function readSmallFile(absPath: string, size: number, repoPath: string, fs: FsCalls): Promise<Buffer> {
  let fd: number;
  try {
    fd = await fs.open(absPath);
  } catch (err) {
    throw unreadable(repoPath, err as NodeJS.ErrnoException);
  }
  try {
    let buf = Buffer.allocUnsafe(Math.min(size + 1, REGULAR_FILE_MAX_BYTES));
    let got = 0;
    for (;;) {
      const n = await fs.read(fd, buf, got, buf.length - got, got);
      got += n;
      // A short read of a regular file that brings exactly the size it was listed with is its end.
      if (n === 0 || (got === size && got < buf.length)) return buf.subarray(0, got);
      if (got < buf.length) continue;
      if (buf.length >= REGULAR_FILE_MAX_BYTES) throw changedWhilePlanning(repoPath);
      // Grown since it was listed: read on, so the plan has what is there now.
      const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, REGULAR_FILE_MAX_BYTES));
      buf.copy(bigger, 0, 0, got);
      buf = bigger;
    }
  } catch (err) {
    throw err instanceof AppError ? err : unreadable(repoPath, err as NodeJS.ErrnoException);
  } finally {
    await fs.close(fd);
  }
}

function unreadable(repoPath: string, err: NodeJS.ErrnoException): AppError {
  return new AppError('UNREADABLE', `Cannot read ${repoPath}: ${err.code ?? err.message}.`);
}

function changedWhilePlanning(repoPath: string): AppError {
  return new AppError(
    'UNREADABLE',
    `${repoPath} grew past ${REGULAR_FILE_MAX_BYTES} bytes while the upload was being planned. Wait until whatever writes it has finished, then publish again.`,
  );
}

const HF_PREFIX = Buffer.from('hf_');

export async function planPublish(input: PlanInput): Promise<LocalPlan> {
  const { checkpoint, signal } = input;
  const excluded: ExcludedFile[] = [];
  const sources = new Map<string, FileSource>();
  const checkpointRoot = await realpath(checkpoint.path);
  const workspaceReal = await realpath(input.workspaceRoot);

  const secrets: string[] = [];
  const candidates: { rel: string; absPath: string }[] = [];
  for (const file of checkpoint.files) {
    const rel = file.path;
    // A token as a file name would become a public path (and a cache key): refused before anything reads it.
    if (HF_TOKEN_PATTERN.test(rel) || (input.token && rel.includes(input.token.trim()))) {
      secrets.push(`a file whose name contains a Hugging Face token (${redactSecrets(rel, [input.token])})`);
      continue;
    }
    const reason = exclusionReason(file, input);
    if (reason) {
      excluded.push({ path: rel, reason });
      continue;
    }
    if (rel === 'README.md' && input.readmeText !== null) continue;
    candidates.push({ rel, absPath: path.join(checkpoint.path, ...rel.split('/')) });
  }
  const inWorkspace = insideOf(workspaceReal);
  const inCheckpoint = insideOf(checkpointRoot);
  const realDirs = new Map<string, Promise<string | null>>();
  const resolved = await mapFs(candidates, (c, fs) => resolveFile(c.absPath, realDirs, fs), { signal });
  for (const [i, { rel }] of candidates.entries()) {
    // A symlink out of the checkpoint would publish files the user never chose.
    const found = resolved[i];
    if (!found) {
      excluded.push({ path: rel, reason: 'missing' });
      continue;
    }
    const targetReason = targetExclusion(workspaceReal, found.real, inWorkspace);
    if (targetReason || !inCheckpoint(found.real)) {
      excluded.push({ path: rel, reason: targetReason ?? 'outside-workspace' });
      continue;
    }
    sources.set(rel, { kind: 'file', absPath: found.real, size: found.size });
  }

  if (input.readmeText !== null) {
    sources.set('README.md', { kind: 'memory', bytes: Buffer.from(input.readmeText, 'utf8') });
  }
  for (const file of input.cardFiles ?? []) {
    sources.set(file.path, { kind: 'memory', bytes: Buffer.from(file.text, 'utf8') });
  }

  const workspaceRoot = workspaceReal;
  for (const asset of input.readmeAssets) {
    const rel = toPosix(path.posix.normalize(asset.replace(/^\.\//, '')));
    if (rel.startsWith('../') || path.isAbsolute(rel) || isNeverUpload(rel) || isNeverUploadName(rel)) {
      excluded.push({
        path: asset,
        reason: rel.startsWith('../') || path.isAbsolute(rel) ? 'outside-workspace' : 'never-uploaded',
      });
      continue;
    }
    const real = await realpath(path.join(workspaceRoot, ...rel.split('/'))).catch(() => null);
    const st = real ? await stat(real).catch(() => null) : null;
    if (!real || !st?.isFile()) {
      excluded.push({ path: rel, reason: 'missing' });
      continue;
    }
    const targetReason = targetExclusion(workspaceRoot, real);
    if (targetReason) {
      excluded.push({ path: rel, reason: targetReason });
      continue;
    }
    sources.set(rel, { kind: 'file', absPath: real, size: st.size });
  }

  // Digests of everything on disk, with progress over all its bytes. Large files go to the Hasher (joining
  // any hash-ahead already running); small ones are read whole here, and these very bytes are what is hashed,
  // scanned and committed: a cached digest or "no secret" can never stand for content that changed behind it.
  const diskFiles = [...sources.entries()].filter(
    (e): e is [string, Extract<FileSource, { kind: 'file' }>] => e[1].kind === 'file',
  );
  const small = diskFiles.filter(([, s]) => s.size < REGULAR_FILE_MAX_BYTES);
  const large = diskFiles.filter(([, s]) => s.size >= REGULAR_FILE_MAX_BYTES);
  const started = Date.now();
  const totalBytes = diskFiles.reduce((n, [, s]) => n + s.size, 0);
  let largeDone = 0;
  let smallDone = 0;
  let lastReport = 0;
  const report = (file: string, force = false) => {
    const now = Date.now();
    // Thousands of small files would otherwise make thousands of progress events.
    if (!force && now - lastReport < 100) return;
    lastReport = now;
    const done = Math.min(totalBytes, largeDone + smallDone);
    // No rate (so no ETA) until it is measured over a meaningful window: see MIN_RATE_WINDOW_SECONDS.
    const rate = measuredRate(done, (now - started) / 1000);
    input.onProgress?.({
      phase: 'hash',
      done,
      total: totalBytes,
      unit: 'bytes',
      rate,
      eta: remainingSeconds(done, totalBytes, rate),
      message: `Hashing ${path.basename(file)}`,
    });
  };
  const largeDigests = input.hasher.hashAll(
    large.map(([, s]) => s.absPath),
    {
      signal,
      onProgress: (p) => {
        largeDone = p.done;
        report(p.file, p.fileDone === p.fileTotal);
      },
    },
  );
  // Started before the small files are read, so a failure there must not leave it unobserved.
  largeDigests.catch(() => undefined);
  const tokenBytes = input.token ? Buffer.from(input.token.trim(), 'utf8') : null;
  /** What reading a small file found: its digest (and content, while the budget lasts), or a secret. */
  const smallResults = new Map<string, { digest: FileDigestLike; bytes: Buffer } | { secret: string }>();
  let keptBytes = 0;
  const readWhole = async (repoPath: string, absPath: string, size: number, fs: FsCalls) => {
    const bytes = await readSmallFile(absPath, size, repoPath, fs);
    smallDone += bytes.length;
    report(absPath);
    if (tokenBytes && bytes.includes(tokenBytes)) return { secret: `${repoPath} (contains your token)` };
    // Most files hold no "hf_" at all: only those are turned into text for the full pattern.
    const found = bytes.includes(HF_PREFIX) ? HF_TOKEN_PATTERN.exec(bytes.toString('latin1')) : null;
    if (found) {
      return {
        secret: `${repoPath} (something shaped like a Hugging Face token at byte ${found.index})`,
      };
    }
    return { digest: { size: bytes.length, sha256: sha256Hex(bytes), gitOid: gitBlobOid(bytes) }, bytes };
  };
  await mapFs(
    small,
    async ([repoPath, s], fs) => smallResults.set(repoPath, await readWhole(repoPath, s.absPath, s.size, fs)),
    { signal },
  );
  const digests = await largeDigests;
  report('', true);

  const assetPaths = new Set(input.readmeAssets.map(toPosix));
  const files: PlannedFile[] = [];
  for (const [repoPath, source] of sources) {
    signal?.throwIfAborted();
    // A token as a file name would become a public path.
    if (HF_TOKEN_PATTERN.test(repoPath) || (input.token && repoPath.includes(input.token.trim()))) {
      secrets.push(
        `a file whose name contains a Hugging Face token (${redactSecrets(repoPath, [input.token])})`,
      );
      continue;
    }
    if (source.kind === 'memory') {
      const text = Buffer.from(source.bytes).toString('utf8');
      if (HF_TOKEN_PATTERN.test(text) || (tokenBytes && Buffer.from(source.bytes).includes(tokenBytes))) {
        secrets.push(
          `${repoPath} (${repoPath === 'README.md' ? 'the prepared model card' : 'generated with the model card'})`,
        );
      }
      files.push({
        path: repoPath,
        origin: repoPath === 'README.md' ? 'readme' : 'card-metadata',
        bytes: source.bytes.length,
        lfs: predictLfs(repoPath, source.bytes.length, source.bytes),
        sha256: sha256Hex(source.bytes),
        gitOid: gitBlobOid(source.bytes),
      });
      continue;
    }
    let read = smallResults.get(repoPath);
    let digest: FileDigestLike | undefined;
    if (!read) {
      const hashed = digests.get(source.absPath)!;
      if (hashed.secretAt !== null) {
        secrets.push(`${repoPath} (something shaped like a Hugging Face token at byte ${hashed.secretAt})`);
        continue;
      }
      digest = hashed;
      source.hashedAs = identityOf(hashed);
      // It shrank below the regular-file limit since it was listed: read whole like any small file.
      if (hashed.size < REGULAR_FILE_MAX_BYTES)
        read = await readWhole(repoPath, source.absPath, hashed.size, asyncFsCalls);
    }
    let sample: Uint8Array | undefined;
    if (read) {
      if ('secret' in read) {
        secrets.push(read.secret);
        continue;
      }
      digest = read.digest;
      sample = read.bytes.subarray(0, 512);
      // Content the commit sends as a regular file stays in memory (within the budget); beyond it, the
      // commit reads the file again and checks it against this digest.
      if (
        !predictLfs(repoPath, read.bytes.length, sample) &&
        keptBytes + read.bytes.length <= PLAN_MEMORY_BUDGET_BYTES
      ) {
        keptBytes += read.bytes.length;
        sources.set(repoPath, { kind: 'memory', bytes: read.bytes });
      }
    }
    source.size = digest!.size;
    files.push({
      path: repoPath,
      origin: repoPath === 'README.md' ? 'readme' : assetPaths.has(repoPath) ? 'asset' : 'checkpoint',
      bytes: digest!.size,
      lfs: predictLfs(repoPath, digest!.size, sample),
      sha256: digest!.sha256,
      gitOid: digest!.gitOid,
    });
  }
  if (secrets.length > 0) {
    throw new AppError(
      'SECRET_IN_UPLOAD',
      `Refusing to publish: ${secrets.length === 1 ? 'this file looks' : 'these files look'} like ${
        secrets.length === 1 ? 'it contains' : 'they contain'
      } a Hugging Face token: ${secrets.join('; ')}. Remove the token from the file (and revoke it if it was ever ` +
        'shared), or exclude the file with --exclude, then publish again. Nothing was uploaded.',
    );
  }

  files.sort((a, b) => byPath(a.path, b.path));
  const plan: PublishPlan = {
    checkpoint: checkpoint.name,
    evalAccuracy: input.evalAccuracy,
    files,
    excluded,
    deletions: [],
    remoteOnly: [],
    target: null,
    totalBytes: files.reduce((n, f) => n + f.bytes, 0),
    lfsBytes: files.filter((f) => f.lfs).reduce((n, f) => n + f.bytes, 0),
    commits: [],
    commitTitle: commitTitle(checkpoint.name, input.evalAccuracy, input.bestMetric),
  };
  plan.commits = groupCommits(files, { ...DEFAULT_COMMIT_LIMITS, ...input.limits });
  return { plan, sources };
}

/** What the repo holds now, by path (from a recursive tree listing). */
export interface RemoteEntry {
  path: string;
  size: number;
  /** Git blob id (for LFS files, of the pointer). */
  oid: string;
  lfs: { oid: string; size: number } | null;
  /** The Xet file hash, when the Hub stores the file through Xet. */
  xetHash?: string;
}

/** True when the remote file has exactly this content. */
export function sameContent(local: PlannedFile, remote: RemoteEntry | undefined): boolean {
  if (!remote || remote.size !== local.bytes) return false;
  if (remote.lfs) return remote.lfs.oid === local.sha256;
  return local.gitOid !== null && remote.oid === local.gitOid;
}

/**
 * Marks files the repo already has, lists remote files not in the plan as deletions when asked, and
 * regroups what is left into commits.
 */
export function applyRemote(
  plan: PublishPlan,
  remote: Map<string, RemoteEntry>,
  options: { deleteRemote?: boolean; limits?: Partial<CommitLimits> } = {},
): PublishPlan {
  const files = plan.files.map((f) => ({ ...f, unchanged: sameContent(f, remote.get(f.path)) }));
  const planned = new Set(files.map((f) => f.path));
  const unchanged = new Set(files.filter((f) => f.unchanged).map((f) => f.path));
  const deletions = options.deleteRemote
    ? [...remote.keys()].filter((p) => !planned.has(p) && p !== '.gitattributes').sort()
    : [];
  return {
    ...plan,
    files,
    deletions,
    // Without new limits, keep the planned grouping (made with the limits the plan was built with).
    commits: options.limits
      ? groupCommits(
          files.filter((f) => !f.unchanged),
          { ...DEFAULT_COMMIT_LIMITS, ...options.limits },
        )
      : plan.commits
          .map((group) => group.filter((p) => !unchanged.has(p)))
          .filter((group) => group.length > 0),
  };
}

/**
 * Splits files into commits by count and size. Regular files first (they travel inside their commit, which can
 * be made while the LFS files of later commits are sent: upload.ts), then LFS files, largest first, so the weights
 * land before the card that describes them; the README (with the card's `.eval_results` files) always rides in
 * the last commit.
 * Counts follow a CommitPacer from `startFiles`, predicting that every commit is fast (the upload regroups
 * what is left when one is not).
 */
export function groupCommits(
  files: PlannedFile[],
  limits: Partial<CommitLimits> & Pick<CommitLimits, 'maxFiles' | 'maxBytes'>,
  startFiles = limits.startFiles ?? limits.maxFiles,
): string[][] {
  const maxRegularBytes = limits.maxRegularBytes ?? Infinity;
  const pacer = new CommitPacer({ maxFiles: limits.maxFiles, startFiles }, startFiles);
  const card = (p: string) => (p === 'README.md' ? 2 : p.startsWith('.eval_results/') ? 1 : 0);
  const ordered = [...files].sort((a, b) => {
    if (card(a.path) !== card(b.path)) return card(a.path) - card(b.path);
    if (a.lfs !== b.lfs) return a.lfs ? 1 : -1;
    return b.bytes - a.bytes || byPath(a.path, b.path);
  });
  const commits: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  let regularBytes = 0;
  for (const f of ordered) {
    const regular = f.lfs ? 0 : f.bytes;
    if (
      current.length > 0 &&
      (current.length >= pacer.target ||
        bytes + f.bytes > limits.maxBytes ||
        regularBytes + regular > maxRegularBytes)
    ) {
      commits.push(current);
      pacer.record(0, current.length);
      current = [];
      bytes = 0;
      regularBytes = 0;
    }
    current.push(f.path);
    bytes += f.bytes;
    regularBytes += regular;
  }
  if (current.length > 0) commits.push(current);
  return commits;
}
