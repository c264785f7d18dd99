/**
 * The whole publish of a workspace, as the CLI runs it: scan → evaluate → choose → card → token →
 * plan → upload → verify. The UI runs the same steps one screen at a time with the same services.
 *
 * Hashing starts as soon as the checkpoint is known, so it overlaps the card, whoami and repo checks.
 */
import { readBoundedText } from '../safe-read';
import path from 'node:path';
import * as modelcard from '../../../shared/modelcard';
import { formatScore } from '../../../shared/format';
import type {
  AccountInfo,
  PublishOutcome,
  PublishPlan,
  PublishSummary,
  RepoVisibility,
  VerificationReport,
} from '../../../shared/publish';
import { redactSecrets } from '../../../shared/redact';
import { AppError } from '../../../shared/result';
import type {
  CheckpointInfo,
  EvaluationReport,
  JobProgress,
  ScanResult,
  ScoreSource,
} from '../../../shared/types';
import { resolveHubEndpoint } from '../endpoint';
import { evaluateWorkspace } from '../evaluate';
import { Hasher } from '../hash';
import { scanWorkspace } from '../scan';
import {
  describeAccount,
  hubErrorToAppError,
  requireWriteAccess,
  resolveToken,
  type Keychain,
  type SessionTokenStore,
} from '../token';
import { verifyPublish } from '../verify';
import { applyRemote, filesToHash, planPublish, type CommitLimits } from './plan';
import { assertCardPublishable, fetchHubText, frontMatterText, readWorkspaceEvalResults } from './card-check';
import { parseRepoName } from '../../../shared/repo-name';
import { listRemote, publish } from './upload';
import type { RetryPolicy } from './transport';

export interface PublishWorkspaceOptions {
  root: string;
  repo: string;
  /** Checkpoint name; default: the evaluation's best. */
  checkpoint?: string;
  endpoint?: string;
  /** A token typed in. */
  token?: string;
  tokenFile?: string;
  private?: boolean;
  dryRun?: boolean;
  include?: string[];
  exclude?: string[];
  deleteRemote?: boolean;
  dataDir: string;
  /** Run benchmarks that have no remembered result (default true); false uses only what is known. */
  runBenchmarks?: boolean;
  /** Write (merge) the results into the card's `model-index` (changes the README's YAML). */
  modelIndex?: boolean;
  /** Write `.eval_results/<benchmark>.yaml` for benchmarks that map to a Hub Benchmark dataset. */
  evalResults?: boolean;
  /** Replace existing `model-index` / `.eval_results` values that differ, instead of refusing. */
  overwriteResults?: boolean;
  keychain?: Keychain | null;
  session?: SessionTokenStore | null;
  env?: NodeJS.ProcessEnv;
  /** A long-lived hasher (the app's, with hash-ahead already running); one is made when omitted. */
  hasher?: Hasher;
  limits?: Partial<CommitLimits>;
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  onLog?: (line: string) => void;
  /**
   * Asked when --private names a repository that already exists and is public (its visibility is not
   * changed by a publish): true publishes publicly anyway. Absent: refused.
   */
  confirmPublic?: (repoId: string) => Promise<boolean>;
}

export interface PublishWorkspaceResult {
  summary: PublishSummary;
  plan: PublishPlan;
  account: AccountInfo | null;
  outcome: PublishOutcome | null;
  verification: VerificationReport | null;
  dryRun: boolean;
}

export interface PreparedReadme {
  text: string;
  warnings: string[];
  /** `.eval_results/*.yaml` to upload with the card (only when asked). */
  files: modelcard.EvalResultsFile[];
  mappings: modelcard.BenchmarkMapping[];
  conflicts: modelcard.ValueConflict[];
}

/**
 * The README to publish: the workspace's own with its benchmark table filled in, or a generated card; with
 * `evalOutputs`, also its `model-index` and `.eval_results` files from the same scores.
 */
export function prepareReadme(input: {
  existing: string | null;
  repoId: string;
  checkpoint: CheckpointInfo;
  report: EvaluationReport;
  scores: Record<string, number>;
  evalAccuracy: number | null;
  config?: modelcard.ModelConfig | null;
  trainerState?: modelcard.TrainerState | null;
  /** Where each score came from, for the metadata's `source`. */
  sources?: Record<string, ScoreSource>;
  evalOutputs?: modelcard.EvalOutputOptions;
}): PreparedReadme {
  const base = prepareCardText(input);
  const outputs = input.evalOutputs;
  if (!outputs || (!outputs.modelIndex && !outputs.evalResults))
    return { ...base, files: [], mappings: [], conflicts: [] };
  const metadata = base.text !== null ? modelcard.readMetadata(base.text).data : null;
  const architecture = input.config?.architectures?.[0];
  const taskType =
    outputs.taskType ??
    (typeof metadata?.pipeline_tag === 'string' ? metadata.pipeline_tag : undefined) ??
    (architecture ? (modelcard.pipelineTagForArchitecture(architecture) ?? undefined) : undefined);
  const results = modelcard.prepareCardResults(
    {
      readme: base.text,
      repoId: input.repoId,
      scores: input.scores,
      sources: input.sources ?? {},
      evalAccuracy: input.evalAccuracy,
      table: { benchmarks: input.report.benchmarks },
    },
    { ...outputs, ...(taskType ? { taskType } : {}) },
  );
  return {
    text: results.text,
    warnings: base.warnings,
    files: results.files,
    mappings: results.mappings,
    conflicts: results.conflicts,
  };
}

function prepareCardText(input: Parameters<typeof prepareReadme>[0]): { text: string; warnings: string[] } {
  const { existing, repoId, report, scores, evalAccuracy } = input;
  if (existing !== null) {
    const updated = modelcard.updateBenchmarkTable(existing, scores, {
      benchmarks: report.benchmarks,
      modelName: repoId,
      average: evalAccuracy,
    });
    return { text: updated.text, warnings: updated.report.warnings };
  }
  const card = modelcard.generateModelCard({
    repoId,
    checkpoint: { name: input.checkpoint.name, step: input.checkpoint.step },
    scores,
    evalAccuracy,
    bestReason: report.bestReason,
    benchmarks: report.benchmarks,
    config: input.config ?? null,
    trainerState: input.trainerState ?? null,
    license: null,
    systemPrompt: null,
    temperature: null,
    contact: null,
  });
  return {
    text: card.text,
    warnings: card.todo.length ? [`the generated card has ${card.todo.length} TODO(s) to fill in`] : [],
  };
}

/**
 * What the card's metadata merges with: the workspace's `.eval_results` files, and (with a token) the Hub's
 * README and `.eval_results` files, so a publish never drops a result already there.
 */
async function gatherEvalOutputs(
  root: string,
  repoId: string,
  scores: Record<string, number>,
  options: Pick<PublishWorkspaceOptions, 'modelIndex' | 'evalResults' | 'overwriteResults' | 'signal'>,
  hub: { endpoint: string; token: string | null },
): Promise<modelcard.EvalOutputOptions> {
  const existingEvalResults = options.evalResults ? await readWorkspaceEvalResults(root) : {};
  let remoteReadme: string | null = null;
  if (hub.token) {
    const read = (repoPath: string) =>
      fetchHubText(hub.endpoint, repoId, repoPath, hub.token, { signal: options.signal });
    if (options.modelIndex) remoteReadme = await read('README.md');
    if (options.evalResults) {
      for (const benchmark of Object.keys(scores)) {
        if (!modelcard.proposeDataset(benchmark)?.taskId) continue;
        const repoPath = modelcard.evalResultsPath(benchmark);
        if (existingEvalResults[repoPath] !== undefined) continue;
        const text = await read(repoPath);
        if (text !== null) existingEvalResults[repoPath] = text;
      }
    }
  }
  return {
    modelIndex: options.modelIndex,
    evalResults: options.evalResults,
    overwrite: options.overwriteResults,
    existingEvalResults,
    remoteReadme,
    date: new Date().toISOString().slice(0, 10),
  };
}

/** The app's limit for a model card (the same as the Card screen's and the IPC contract's). */
export const MAX_README_BYTES = 8 * 1024 * 1024;
const MAX_CONTEXT_JSON_BYTES = 64 * 1024 * 1024;

/** config.json or trainer_state.json for a generated card; null when absent, not a regular file or not JSON. */
async function readJsonFile<T>(file: string): Promise<T | null> {
  try {
    const text = await readBoundedText(file, { maxBytes: MAX_CONTEXT_JSON_BYTES });
    return text === null ? null : (JSON.parse(text) as T);
  } catch {
    return null;
  }
}

/** 'public' or 'private' for an existing repository, null when it does not exist (or is not visible). */
async function existingVisibility(
  repoId: string,
  endpoint: string,
  token: string,
): Promise<RepoVisibility | null> {
  let res: Response;
  try {
    res = await fetch(`${endpoint}/api/models/${repoId}`, { headers: { Authorization: `Bearer ${token}` } });
  } catch (err) {
    throw hubErrorToAppError(err, endpoint, `looking up ${repoId}`);
  }
  if (res.status === 404 || res.status === 401) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new AppError('HUB_REJECTED', `The Hub answered ${res.status} when asked about ${repoId}.`);
  }
  const info = (await res.json()) as { private?: unknown };
  return info.private === true ? 'private' : 'public';
}

/**
 * The Model card screen's checks, applied before anything is sent: metadata the Hub cannot parse and a
 * card over the app's size limit stop the publish; the other problems are said, as the screen shows them.
 */
export function checkCard(text: string, scan: ScanResult, log: (line: string) => void): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_README_BYTES) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `The model card is ${bytes} bytes, over the ${MAX_README_BYTES}-byte limit the app and the Hub's card viewer use. Shorten README.md, then publish again.`,
    );
  }
  const validation = modelcard.validateCard(text, {
    exists: (p) => scan.readmeAssets.find((a) => a.path === p)?.exists ?? true,
  });
  const blocking = validation.problems.filter(
    (p) =>
      p.code === 'yaml-syntax' || p.code === 'front-matter-unclosed' || (p.code === 'wrong-type' && !p.key),
  );
  if (blocking.length > 0) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `The model card's metadata (the YAML between the --- lines at the top of README.md) cannot be read: ${blocking
        .map((p) => p.message)
        .join(' ')} Fix README.md, then publish again. Nothing was uploaded.`,
    );
  }
  for (const p of validation.problems) log(`Model card ${p.severity}: ${p.message}`);
}

export async function publishWorkspace(options: PublishWorkspaceOptions): Promise<PublishWorkspaceResult> {
  const root = path.resolve(options.root);
  const { signal } = options;
  const log = (line: string) => options.onLog?.(redactSecrets(line));
  const progress = (p: JobProgress) => options.onProgress?.(p);
  const endpoint = (() => {
    try {
      return resolveHubEndpoint(options.endpoint, options.env ?? process.env);
    } catch (err) {
      throw new AppError('INVALID_ARGUMENT', (err as Error).message);
    }
  })();
  // Names are checked before anything else happens, with a placeholder owner when none is given.
  parseRepoName(options.repo, 'owner');

  // whoami first: a wrong or read-only token fails before any scanning or benchmark runs.
  progress({ phase: 'token', done: 0, total: 1, unit: 'items', message: 'Checking the token' });
  let token: string | null = null;
  let account: AccountInfo | null = null;
  try {
    const resolved = await resolveToken({
      explicit: options.token,
      tokenFile: options.tokenFile,
      workspaceRoot: root,
      env: options.env,
      keychain: options.keychain,
      session: options.session,
    });
    for (const note of resolved.notes) log(note);
    token = resolved.token;
    account = await describeAccount(token, endpoint, { source: resolved.source });
    log(`Signed in as ${account.user} (${account.role} token ${account.masked}, from ${resolved.source})`);
  } catch (err) {
    // A dry run still shows the plan without a token; a real publish cannot.
    if (!options.dryRun) throw err;
    log(`Dry run without an account: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (account && !options.dryRun) requireWriteAccess(account);
  let visibility: RepoVisibility | undefined;
  if (account && token) {
    // Who may publish where is known now: it is said before any scan or benchmark runs.
    const early = parseRepoName(options.repo, account.user);
    if (early.namespace !== account.user && !account.orgs.includes(early.namespace)) {
      throw new AppError(
        'REPO_FORBIDDEN',
        `You are signed in as ${account.user}, who cannot publish to "${early.namespace}": it is another user or an organisation you are not a member of${account.orgs.length ? ` (your organisations: ${account.orgs.join(', ')})` : ''}. Use ${account.user}/${early.name}, or ask an admin of ${early.namespace} to add you.`,
      );
    }
    const existing = await existingVisibility(early.id, endpoint, token);
    visibility = existing ?? (options.private ? 'private' : 'public');
    if (existing === 'public' && options.private && !options.dryRun) {
      const confirmed = (await options.confirmPublic?.(early.id)) ?? false;
      if (!confirmed) {
        throw new AppError(
          'NOT_CONFIRMED',
          `${early.id} already exists and is public; --private does not make it private, so the checkpoint would be public. Make the repository private on the Hub first, publish to another name, or pass --confirm-public to publish publicly. Nothing was uploaded.`,
        );
      }
      log(`${early.id} is public: publishing publicly, as confirmed.`);
    }
  }
  progress({ phase: 'scan', done: 0, total: 1, unit: 'items', message: 'Scanning the workspace' });
  const scan: ScanResult = await scanWorkspace(root, { signal });
  if (scan.checkpoints.length === 0) {
    throw new AppError(
      'NO_CHECKPOINTS',
      `No checkpoints found in ${root}. Choose the folder your training wrote.`,
    );
  }

  // The card as it is on disk is checked before anything is hashed: a README the Hub would refuse stops here.
  const existing = scan.readme
    ? await readBoundedText(scan.readme, {
        maxBytes: MAX_README_BYTES,
        label: path.relative(root, scan.readme) || 'README.md',
      })
    : null;
  if (existing !== null) {
    progress({ phase: 'card', done: 0, total: 1, unit: 'items', message: 'Checking the model card' });
    await assertCardPublishable({ readme: existing, files: [], endpoint, token, signal, onLog: log });
  }
  const acceptedFrontMatter = existing !== null ? frontMatterText(existing) : undefined;

  const hasher = options.hasher ?? new Hasher({ dataDir: options.dataDir });
  try {
    const selection = { include: options.include, exclude: options.exclude };
    const named = options.checkpoint
      ? scan.checkpoints.find((c) => c.name === options.checkpoint || c.relPath === options.checkpoint)
      : undefined;
    // Hash ahead: a named checkpoint is hashed (in worker threads) while the benchmarks run.
    if (named) void hasher.hashAhead(filesToHash(named, selection), { signal });

    progress({ phase: 'evaluate', done: 0, total: 1, unit: 'items', message: 'Evaluating' });
    const report = await evaluateWorkspace({
      root,
      scan,
      dataDir: options.dataDir,
      cacheOnly: options.runBenchmarks === false,
      signal,
      onProgress: (p) => progress({ ...p, phase: 'evaluate' }),
    });

    const name = options.checkpoint ?? report.best;
    if (!name) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `No checkpoint could be chosen (${report.bestReason || 'no scores'}). Pass --checkpoint with one of: ${scan.checkpoints
          .map((c) => c.name)
          .join(', ')}.`,
      );
    }
    const checkpoint = scan.checkpoints.find((c) => c.name === name || c.relPath === name);
    if (!checkpoint) {
      throw new AppError(
        'NOT_FOUND',
        `There is no checkpoint "${name}" in ${root}. Choose one of: ${scan.checkpoints.map((c) => c.name).join(', ')}.`,
      );
    }
    if (!checkpoint.valid) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `${checkpoint.name} cannot be published: ${checkpoint.problems.map((p) => p.message).join('; ')}`,
      );
    }
    const evaluation = report.checkpoints.find((c) => c.name === checkpoint.name);
    const evalAccuracy = evaluation?.evalAccuracy ?? null;
    log(
      `Checkpoint ${checkpoint.name} (eval_accuracy ${evalAccuracy === null ? 'not evaluated' : formatScore(evalAccuracy)})`,
    );

    progress({ phase: 'card', done: 0, total: 1, unit: 'items', message: 'Preparing the model card' });
    const repo = parseRepoName(options.repo, account?.user ?? 'you');

    const scores = { ...(evaluation?.scores ?? {}) };
    const evalOutputs =
      options.modelIndex || options.evalResults
        ? await gatherEvalOutputs(root, repo.id, scores, options, { endpoint, token })
        : undefined;
    const config =
      existing === null || evalOutputs
        ? await readJsonFile<modelcard.ModelConfig>(path.join(checkpoint.path, 'config.json'))
        : null;
    const card = prepareReadme({
      existing,
      repoId: repo.id,
      checkpoint,
      report,
      scores,
      evalAccuracy,
      config,
      trainerState:
        existing === null ? await readJsonFile(path.join(checkpoint.path, 'trainer_state.json')) : null,
      sources: evaluation?.sources ?? {},
      evalOutputs,
    });
    for (const w of card.warnings) log(`Model card: ${w}`);
    checkCard(card.text, scan, log);
    for (const m of card.mappings) log(`Evaluation results: ${m.note}`);
    for (const c of card.conflicts.filter((x) => x.overwritten)) {
      log(
        `Evaluation results: ${c.key} changes from ${JSON.stringify(c.existing)} to ${JSON.stringify(c.incoming)} (--overwrite-results).`,
      );
    }
    // The card as it will be published, checked before any hashing starts.
    await assertCardPublishable({
      readme: card.text,
      files: card.files,
      conflicts: card.conflicts,
      endpoint,
      token,
      signal,
      onLog: log,
      endpointAccepted: acceptedFrontMatter,
    });

    // Joins the running jobs when the checkpoint was named; otherwise starts now.
    void hasher.hashAhead(filesToHash(checkpoint, selection), { signal });

    const local = await planPublish({
      checkpoint,
      workspaceRoot: root,
      readmeText: card.text,
      cardFiles: card.files,
      readmeAssets: scan.readmeAssets.filter((a) => a.exists).map((a) => a.path),
      include: options.include,
      exclude: options.exclude,
      evalAccuracy,
      hasher,
      token,
      limits: options.limits,
      signal,
      onProgress: progress,
    });

    if (options.dryRun) {
      let plan = local.plan;
      if (token && account) {
        const remote = await listRemote(repo, endpoint, token, globalThis.fetch).catch(() => null);
        if (remote) plan = applyRemote(plan, remote, { deleteRemote: options.deleteRemote });
      }
      return {
        dryRun: true,
        plan,
        account,
        outcome: null,
        verification: null,
        summary: {
          repoId: repo.id,
          url: `${endpoint}/${repo.id}`,
          ...(visibility ? { visibility } : {}),
          checkpoint: checkpoint.name,
          evalAccuracy,
          commit: null,
          files: plan.files.map((f) => ({
            path: f.path,
            bytes: f.bytes,
            lfs: f.lfs,
            sha256: f.sha256 ?? '',
          })),
          verified: false,
        },
      };
    }

    const result = await publish({
      local,
      repo: options.repo,
      endpoint,
      token: token!,
      account: account!,
      private: options.private,
      deleteRemote: options.deleteRemote,
      limits: options.limits,
      retry: options.retry,
      signal,
      onProgress: progress,
      onLog: log,
    });

    progress({ phase: 'verify', done: 0, total: 1, unit: 'items', message: 'Verifying what the Hub holds' });
    const readme = local.sources.get('README.md');
    const verification = await verifyPublish({
      plan: result.plan,
      repo: result.repo,
      endpoint,
      token: token!,
      readme: readme?.kind === 'memory' ? readme.bytes : null,
      dataDir: options.dataDir,
      commit: result.outcome.commit,
      commits: result.outcome.commits.map((c) => c.oid),
      account: account!.user,
      visibility:
        (await existingVisibility(result.repo.id, endpoint, token!).catch(() => null)) ?? visibility,
      signal,
    });
    progress({
      phase: 'verify',
      done: 1,
      total: 1,
      unit: 'items',
      message: verification.verified ? 'Verified' : 'Verification failed',
    });
    return {
      dryRun: false,
      plan: result.plan,
      account,
      outcome: result.outcome,
      verification,
      summary: {
        repoId: result.outcome.repoId,
        url: verification.url,
        checkpoint: checkpoint.name,
        evalAccuracy,
        commit: result.outcome.commit,
        files: verification.files,
        verified: verification.verified,
        ...(visibility ? { visibility } : {}),
      },
    };
  } finally {
    if (!options.hasher) await hasher.close();
  }
}
