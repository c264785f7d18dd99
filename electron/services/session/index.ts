/**
 * One workspace session: everything the app and the CLI do for one opened folder, and the state that
 * belongs to it (the scan, the evaluation, the account it publishes with, what the Hub holds for the
 * repositories it planned for). The window's IPC handlers are thin adapters over it; the CLI runs it
 * straight through (`publish/workspace.ts`). State never crosses from one workspace to another: a new
 * folder is a new session, and closing one cancels its jobs.
 */
import { randomBytes } from 'node:crypto';
import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CardContext, CardSaveResult, PreparedCard, RepoProposal } from '../../../shared/ipc/contract';
import * as modelcard from '../../../shared/modelcard';
import type {
  AccountInfo,
  OtherWorkspacePublish,
  PublishCancelOutcome,
  PublishOutcome,
  PublishPlan,
  PublishTarget,
  RemoteOnlyFile,
  VerificationReport,
} from '../../../shared/publish';
import { parseRepoName, type RepoName } from '../../../shared/repo-name';
import { AppError } from '../../../shared/result';
import type { CheckpointInfo, EvaluationReport, JobProgress, ScanResult } from '../../../shared/types';
import {
  evaluateWorkspace,
  scanWorkspace,
  setBestSelection,
  setManualScore,
  type EvaluateOptions,
} from '../evaluate';
import { DEFAULT_BEST_METRIC, metricValue, type BestSelection } from '../../../shared/evaluation';
import { sha256Hex, type Hasher } from '../hash';
import { isCancelled, type HubClient } from '../hub';
import {
  applyRemote,
  planPublish,
  type CommitLimits,
  type LocalPlan,
  type RemoteEntry,
} from '../publish/plan';
import { assertCardPublishable, frontMatterText, readWorkspaceEvalResults } from '../publish/card-check';
import { publish as uploadPlan } from '../publish/upload';
import { xetChunkStoreIn } from '../publish/xet/chunk-store';
import type { RetryPolicy } from '../publish/transport';
import { readBoundedText } from '../safe-read';
import { MAX_README_BYTES, README_NAME, referencedPaths } from '../scan';
import { requireWriteAccess } from '../token';
import { verifyPublish } from '../verify';
import { saveReadme } from './card-save';
import { lastPublishOf, rememberedRepoFor } from './receipts';
import { proposeRepoName } from './target';

/** A resolved token with its account; only main-process code ever sees `token`. */
export interface SignedIn {
  token: string;
  account: AccountInfo;
}

/** Where sessions get the token from: the app's `AccountSession`, or the CLI's one token. */
export interface AccountSource {
  signIn(root: string | null, options?: { requireWrite?: boolean; signal?: AbortSignal }): Promise<SignedIn>;
  /** Changes whenever the token may have changed (sign-in, forget): cached accounts are asked again. */
  readonly generation: number;
}

/** Built once per app (or CLI run) and shared by every session. */
export interface SessionServices {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  hub: HubClient;
  hasher: Hasher;
  accounts: AccountSource;
}

export { MAX_README_BYTES };
const MAX_CONTEXT_JSON_BYTES = 64 * 1024 * 1024;

/** What a publish is asked to do: the window's request, or the CLI's options. */
export interface PublishRequest {
  checkpoint: string;
  readme: string;
  repo: string;
  private?: boolean;
  include?: string[];
  exclude?: string[];
  deleteRemote?: boolean;
  keepRemote?: string[];
  evalResults?: { path: string; text: string }[];
  modelIndex?: boolean;
  overwriteResults?: boolean;
  confirmOtherWorkspace?: boolean;
}

export interface JobOptions {
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  onLog?: (line: string) => void;
}

export interface PublishRunOptions extends JobOptions {
  limits?: Partial<CommitLimits>;
  retry?: Partial<RetryPolicy>;
  /** The front matter the endpoint already accepted (the CLI checked the card just before). */
  endpointAccepted?: string;
  /**
   * A publish scans the workspace again before planning (default), so it sends the files as they are, not as
   * they were when the plan was shown. False: the session's scan is from moments ago in the same run and
   * nobody was asked anything since (the CLI with --yes); with ten thousand files the second scan cost ~0.35 s.
   * The plan still looks at every file again (type, size, content).
   */
  rescan?: boolean;
}

export interface SessionPublishResult {
  outcome: PublishOutcome;
  verification: VerificationReport;
  plan: PublishPlan;
}

function newSessionId(): string {
  return `ws-${randomBytes(8).toString('hex')}`;
}

async function readJsonObject<T>(file: string): Promise<T | null> {
  try {
    const text = await readBoundedText(file, { maxBytes: MAX_CONTEXT_JSON_BYTES });
    if (text === null) return null;
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as T) : null;
  } catch {
    // Unreadable or too large to be useful: the card is written without it rather than not at all.
    return null;
  }
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export class WorkspaceSession {
  readonly id = newSessionId();
  readonly #closed = new AbortController();
  #scan: Promise<ScanResult> | null = null;
  /** The last evaluation report of this workspace (run, or read from what is remembered). */
  #report: Promise<EvaluationReport> | null = null;
  #settled: EvaluationReport | null = null;
  /** Whether `#report` is a run of benchmarks (not only a read of what is remembered). */
  #running = false;
  /** What is remembered, read while the first run of benchmarks is still going. */
  #remembered: Promise<EvaluationReport> | null = null;
  /** The README `saveCard` wrote, absolute under `root`. */
  #savedReadme: string | null = null;
  #account: { key: string; signedIn: Promise<SignedIn | null> } | null = null;
  /** What the Hub holds, per endpoint and repository, until this session publishes there. */
  readonly #hubTexts = new Map<string, Promise<string | null>>();
  readonly #listings = new Map<string, Promise<Map<string, RemoteEntry> | null>>();
  readonly #repoStates = new Map<string, Promise<PublishTarget>>();
  /** Front matter the endpoint's validate-yaml already accepted in this session. */
  readonly #acceptedFrontMatter = new Set<string>();
  #realRoot: Promise<string> | null = null;

  constructor(
    readonly root: string,
    private readonly services: SessionServices,
    /** The window (or bridge connection) that opened it; null for the CLI. */
    readonly ownerId: string | null = null,
  ) {}

  get name(): string {
    return path.basename(path.resolve(this.root));
  }

  get closed(): boolean {
    return this.#closed.signal.aborted;
  }

  /** Ends the session: every job it runs is cancelled. */
  close(): void {
    this.#closed.abort();
  }

  /** A job's signal that also fires when the session closes. */
  signalFor(signal?: AbortSignal): AbortSignal {
    return signal ? AbortSignal.any([signal, this.#closed.signal]) : this.#closed.signal;
  }

  realRoot(): Promise<string> {
    this.#realRoot ??= realpath(this.root).catch(() => path.resolve(this.root));
    return this.#realRoot;
  }

  // ---- scan ----

  /** Scans afresh; the result is the session's from then on. */
  scan(options: JobOptions = {}): Promise<ScanResult> {
    const scan = scanWorkspace(this.root, {
      signal: this.signalFor(options.signal),
      onProgress: options.onProgress,
    });
    this.#scan = scan;
    scan.catch(() => {
      if (this.#scan === scan) this.#scan = null;
    });
    return scan;
  }

  /** The session's scan, made now when there is none yet. */
  currentScan(signal?: AbortSignal): Promise<ScanResult> {
    return this.#scan ?? this.scan({ signal });
  }

  async checkpoint(name: string, signal?: AbortSignal): Promise<CheckpointInfo> {
    const scan = await this.currentScan(signal);
    const found = scan.checkpoints.find((c) => c.name === name || c.relPath === name);
    if (!found) {
      throw new AppError(
        'NOT_FOUND',
        `There is no checkpoint named "${name}" in ${this.root}. Choose one of: ${scan.checkpoints.map((c) => c.name).join(', ') || '(none)'}.`,
      );
    }
    return found;
  }

  /** The workspace README by the scanner's one rule (`README.md` in any case, at the root or in a checkpoint). */
  async readme(signal?: AbortSignal): Promise<{ text: string; path: string } | null> {
    const scan = await this.currentScan(signal);
    // A card saved in this session is the README from then on, even before the next scan sees it.
    const file = this.#savedReadme ?? scan.readme;
    if (!file) return null;
    const rel = path.relative(this.root, file).split(path.sep).join('/') || 'README.md';
    const text = await readBoundedText(file, { maxBytes: MAX_README_BYTES, label: rel });
    return text === null ? null : { text, path: rel };
  }

  /** Ctrl+S: the edited card becomes the workspace README (see card-save.ts). */
  async saveCard(text: string, expectedSha256: string | null, signal?: AbortSignal): Promise<CardSaveResult> {
    const scan = await this.currentScan(signal);
    const rootReal = await this.realRoot();
    const file = this.#savedReadme ?? scan.readme;
    const saved = await saveReadme({
      rootReal,
      readFrom: file ? path.join(rootReal, path.relative(this.root, file)) : null,
      text,
      expectedSha256,
      dataDir: this.services.dataDir,
    });
    this.#savedReadme = path.join(this.root, path.relative(rootReal, saved.file));
    return { path: saved.path, backup: saved.backup, sha256: saved.sha256 };
  }

  // ---- evaluation ----

  /** Runs (or reads) the evaluation; the report is the session's from then on. */
  evaluate(
    options: Omit<EvaluateOptions, 'root' | 'scan' | 'dataDir' | 'env' | 'signal'> & {
      signal?: AbortSignal;
    } = {},
  ): Promise<EvaluationReport> {
    const run = this.#read(options);
    this.#report = run;
    this.#running = !options.cacheOnly;
    run.then(
      (report) => {
        if (this.#report !== run) return;
        this.#settled = report;
        this.#running = false;
      },
      () => {
        if (this.#report !== run) return;
        this.#report = null;
        this.#running = false;
      },
    );
    return run;
  }

  #read(
    options: Omit<EvaluateOptions, 'root' | 'scan' | 'dataDir' | 'env' | 'signal'> & { signal?: AbortSignal },
  ): Promise<EvaluationReport> {
    const { signal, ...rest } = options;
    return (async () =>
      evaluateWorkspace({
        ...rest,
        root: this.root,
        scan: await this.currentScan(signal),
        dataDir: this.services.dataDir,
        env: this.services.env,
        signal: this.signalFor(signal),
      }))();
  }

  /**
   * The evaluation the session has (the last one that finished, so a plan never waits for benchmarks
   * still running); when it has none, what is remembered (nothing is run).
   */
  knownEvaluation(signal?: AbortSignal): Promise<EvaluationReport> {
    if (this.#settled) return Promise.resolve(this.#settled);
    if (this.#report && !this.#running) return this.#report;
    if (this.#running) {
      // Benchmarks are running and nothing finished yet: what is remembered, read aside, without waiting.
      if (!this.#remembered) {
        const read = this.#read({ cacheOnly: true, signal });
        this.#remembered = read;
        read.catch(() => {
          if (this.#remembered === read) this.#remembered = null;
        });
      }
      return this.#remembered;
    }
    return this.evaluate({ cacheOnly: true, signal });
  }

  async setScore(checkpoint: string, benchmark: string, score: number | null): Promise<void> {
    await setManualScore(this.services.dataDir, this.root, checkpoint, benchmark, score);
    // The report the session holds no longer says what the user sees: read it again when next needed.
    this.#report = null;
    this.#settled = null;
    this.#remembered = null;
    this.#running = false;
  }

  /**
   * Chooses what picks the best checkpoint (remembered for the workspace) and answers the report under it,
   * from what is known (nothing is run). A name the workspace lacks is refused and nothing is remembered.
   */
  async setSelection(selection: BestSelection, signal?: AbortSignal): Promise<EvaluationReport> {
    const report = await this.#read({ cacheOnly: true, selection, signal });
    await setBestSelection(this.services.dataDir, this.root, selection);
    this.#report = null;
    this.#settled = null;
    this.#remembered = null;
    this.#running = false;
    return report;
  }

  async #evalAccuracyOf(
    checkpoint: string,
    signal?: AbortSignal,
  ): Promise<{ evalAccuracy: number | null; bestMetric?: { name: string; value: number } }> {
    try {
      const report = await this.knownEvaluation(signal);
      const row = report.checkpoints.find((c) => c.name === checkpoint);
      const evalAccuracy = row?.evalAccuracy ?? null;
      // The metric the user chose to pick the best by names the commit too (`eval_loss 0.800`).
      const metric = report.metric ?? DEFAULT_BEST_METRIC;
      const value = row && metric !== DEFAULT_BEST_METRIC ? metricValue(row, metric) : null;
      return value === null ? { evalAccuracy } : { evalAccuracy, bestMetric: { name: metric, value } };
    } catch (err) {
      if (isCancelled(err, signal)) throw err;
      // A score is a nicety in the commit title; never a reason not to publish.
      return { evalAccuracy: null };
    }
  }

  // ---- account ----

  /** The account, cached for the session until the token or the endpoint changes; null when not signed in. */
  async account(signal?: AbortSignal): Promise<SignedIn | null> {
    const key = `${this.services.accounts.generation}\0${await this.services.hub.endpoint()}`;
    if (this.#account?.key !== key) {
      const entry: { key: string; signedIn: Promise<SignedIn | null> } = {
        key,
        signedIn: Promise.resolve(null),
      };
      entry.signedIn = this.services.accounts.signIn(this.root, { signal }).catch((err: unknown) => {
        // No token (or one the Hub refused) stays so until a sign-in; a network failure is asked again.
        const lasting =
          err instanceof AppError &&
          (err.code === 'TOKEN_MISSING' || err.code === 'TOKEN_INVALID' || err.code === 'TOKEN_READ_ONLY');
        if (!lasting && this.#account === entry) this.#account = null;
        return null;
      });
      this.#account = entry;
    }
    return this.#account.signedIn;
  }

  // ---- model card ----

  async cardContext(checkpointName: string, signal?: AbortSignal): Promise<CardContext> {
    const checkpoint = await this.checkpoint(checkpointName, signal);
    const rootReal = await this.realRoot();
    const readme = await this.readme(signal);
    const config = await readJsonObject<Record<string, unknown>>(path.join(checkpoint.path, 'config.json'));
    const trainerState = await this.runTrainerState(checkpoint, signal);
    const evalResults = await readWorkspaceEvalResults(rootReal);
    return {
      readme: readme?.text ?? null,
      readmeSha256: readme ? sha256Hex(Buffer.from(readme.text, 'utf8')) : null,
      readmePath: readme?.path ?? null,
      config,
      trainerState,
      evalResults,
    };
  }

  /**
   * The run's latest `trainer_state.json`: the Trainer writes one into each checkpoint (a snapshot of that
   * moment) and, at the end, one into the run's folder. What the card says about the whole run (its best
   * checkpoint, its log) comes from the newest of them (highest `global_step`; the run folder's on a tie),
   * so a card for an early checkpoint never contradicts the run.
   */
  async runTrainerState(
    checkpoint: CheckpointInfo,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | null> {
    const rootReal = await this.realRoot();
    const scan = await this.currentScan(signal);
    const runDir = path.dirname(checkpoint.path);
    const candidates: string[] = [];
    for (
      let dir = await realpath(runDir).catch(() => runDir);
      isInside(rootReal, dir);
      dir = path.dirname(dir)
    ) {
      candidates.push(path.join(dir, 'trainer_state.json'));
      if (dir === rootReal) break;
    }
    for (const sibling of scan.checkpoints) {
      if (path.dirname(sibling.path) === runDir)
        candidates.push(path.join(sibling.path, 'trainer_state.json'));
    }
    let latest: { state: Record<string, unknown>; step: number } | null = null;
    for (const file of candidates) {
      const state = await readJsonObject<Record<string, unknown>>(file);
      if (!state) continue;
      const step = typeof state.global_step === 'number' ? state.global_step : -1;
      if (!latest || step > latest.step) latest = { state, step };
    }
    return latest?.state ?? null;
  }

  /**
   * The card the session publishes for a checkpoint and repository, before any edit; with `evalOutputs`
   * also its `model-index` and `.eval_results` files.
   */
  async prepareCard(
    checkpointName: string,
    repo: string | undefined,
    options: { signal?: AbortSignal; evalOutputs?: modelcard.EvalOutputOptions } = {},
  ): Promise<
    PreparedCard & {
      files: modelcard.EvalResultsFile[];
      mappings: modelcard.BenchmarkMapping[];
      conflicts: modelcard.ValueConflict[];
    }
  > {
    const { signal } = options;
    const checkpoint = await this.checkpoint(checkpointName, signal);
    const report = await this.knownEvaluation(signal);
    const evaluation = report.checkpoints.find((c) => c.name === checkpoint.name);
    const readme = await this.readme(signal);
    const signedIn = await this.account(signal);
    const modelName = this.#repoId(repo ?? (await this.target(signal)).repo, signedIn?.account.user ?? null);
    const needsContext = readme === null || options.evalOutputs !== undefined;
    const config = needsContext
      ? await readJsonObject<modelcard.ModelConfig>(path.join(checkpoint.path, 'config.json'))
      : null;
    const trainerState =
      readme === null
        ? ((await this.runTrainerState(checkpoint, signal)) as modelcard.TrainerState | null)
        : null;
    const card = modelcard.prepareCard({
      existing: readme?.text ?? null,
      modelName,
      checkpoint,
      report,
      scores: { ...(evaluation?.scores ?? {}) },
      evalAccuracy: evaluation?.evalAccuracy ?? null,
      config,
      trainerState,
      endpoint: await this.services.hub.endpoint(),
      sources: evaluation?.sources ?? {},
      evalOutputs: options.evalOutputs,
    });
    const scan = await this.currentScan(signal);
    const exists = new Map(scan.readmeAssets.map((a) => [a.path, a.exists]));
    return {
      text: card.text,
      origin: card.origin,
      readmePath: readme?.path ?? null,
      column: card.column,
      modelName,
      warnings: card.warnings,
      assets: referencedPaths(card.text).filter((p) => exists.get(p) ?? false),
      files: card.files,
      mappings: card.mappings,
      conflicts: card.conflicts,
    };
  }

  /** A text file of a repository on the Hub, fetched once per session (until it publishes there). */
  hubText(
    repoId: string,
    repoPath: string,
    token: string | null,
    signal?: AbortSignal,
  ): Promise<string | null> {
    const key = `${repoId}\0${repoPath}\0${token ? 'auth' : 'anon'}`;
    let text = this.#hubTexts.get(key);
    if (!text) {
      text = this.services.hub.text(repoId, repoPath, token, { signal: this.signalFor(signal) });
      this.#hubTexts.set(key, text);
      text.catch(() => this.#hubTexts.delete(key));
    }
    return text;
  }

  // ---- target ----

  /** The repository this workspace publishes to: remembered from its last publish, else proposed. */
  async target(signal?: AbortSignal): Promise<RepoProposal> {
    const remembered = await rememberedRepoFor(
      this.services.dataDir,
      await this.realRoot(),
      await this.services.hub.endpoint(),
    );
    if (remembered) return { repo: remembered, source: 'remembered' };
    // Opening a workspace must stay instant: before the first scan only the root's README is looked at.
    const readme = this.#scan ? await this.readme(signal).catch(() => null) : await this.#rootReadme();
    return proposeRepoName(readme?.text ?? null, this.name);
  }

  async #rootReadme(): Promise<{ text: string } | null> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const name = names.find((n) => README_NAME.test(n));
    if (!name) return null;
    const text = await readBoundedText(path.join(this.root, name), { maxBytes: MAX_README_BYTES }).catch(
      () => null,
    );
    return text === null ? null : { text };
  }

  #repoId(repo: string, user: string | null): string {
    try {
      return parseRepoName(repo, user ?? 'you').id;
    } catch {
      return repo;
    }
  }

  // ---- plan ----

  /** Whether the account may write into the repository's namespace; says what to do otherwise. */
  #requireNamespace(repo: RepoName, account: AccountInfo): void {
    if (repo.namespace === account.user || account.orgs.includes(repo.namespace)) return;
    throw new AppError(
      'REPO_FORBIDDEN',
      `You are signed in as ${account.user}, who cannot publish to "${repo.namespace}": it is another user or an organisation ` +
        `you are not a member of${account.orgs.length ? ` (your organisations: ${account.orgs.join(', ')})` : ''}. ` +
        `Publish as ${account.user}/${repo.name}, or ask an admin of ${repo.namespace} to add you.`,
    );
  }

  /** The repository as the Hub and this machine's receipts know it, cached per repository. */
  #targetOf(repo: RepoName, token: string | null, signal?: AbortSignal): Promise<PublishTarget> {
    // What an anonymous read saw (a private repository looks absent) is never reused once signed in.
    const key = `${repo.id}\0${token ? 'auth' : 'anon'}`;
    let target = this.#repoStates.get(key);
    if (!target) {
      target = (async (): Promise<PublishTarget> => {
        const state = await this.services.hub.repoState(repo.id, token, signal).catch((err) => {
          if (isCancelled(err, signal)) throw err;
          return null;
        });
        return {
          repoId: repo.id,
          exists: state?.exists ?? null,
          visibility: state?.visibility ?? null,
          lastPublishedFrom: await this.#otherWorkspace(repo.id),
        };
      })();
      this.#repoStates.set(key, target);
      target.catch(() => this.#repoStates.delete(key));
    }
    return target;
  }

  /** The other workspace `repoId` was last published from, if it was (what `plan().target` says too). */
  otherWorkspace(repoId: string): Promise<OtherWorkspacePublish | null> {
    return this.#otherWorkspace(repoId);
  }

  async #otherWorkspace(repoId: string): Promise<OtherWorkspacePublish | null> {
    const last = await lastPublishOf(this.services.dataDir, repoId, await this.services.hub.endpoint());
    if (!last?.workspace) return null;
    if (last.workspace === (await this.realRoot())) return null;
    return { workspace: last.workspace, at: last.at, checkpoint: last.checkpoint, commit: last.commit };
  }

  #listing(repo: RepoName, token: string | null): Promise<Map<string, RemoteEntry> | null> {
    const key = `${repo.id}\0${token ? 'auth' : 'anon'}`;
    let listing = this.#listings.get(key);
    if (!listing) {
      // The remote state is a hint for the plan; publishing looks again and reports what is wrong.
      listing = this.services.hub.files(repo, token).catch(() => null);
      this.#listings.set(key, listing);
    }
    return listing;
  }

  /** Forgets what the Hub held for a repository (after publishing there). */
  #forgetRepo(repoId: string): void {
    for (const key of [...this.#listings.keys()])
      if (key.startsWith(`${repoId}\0`)) this.#listings.delete(key);
    for (const key of [...this.#repoStates.keys()])
      if (key.startsWith(`${repoId}\0`)) this.#repoStates.delete(key);
    for (const key of [...this.#hubTexts.keys()])
      if (key.startsWith(`${repoId}\0`)) this.#hubTexts.delete(key);
  }

  /**
   * The card's files merged with the Hub's: `.eval_results` files already there are merged, never clobbered
   * (a different value is refused unless overwriting was asked for), and with `modelIndex` so is the Hub
   * README's `model-index`. Then the card is checked (locally and by the endpoint's validate-yaml).
   */
  async #checkedCard(
    request: PublishRequest,
    repo: RepoName | null,
    token: string | null,
    options: { signal?: AbortSignal; onLog?: (line: string) => void; endpointAccepted?: string },
  ): Promise<{ readme: string; files: { path: string; text: string }[] }> {
    const { signal } = options;
    const files: { path: string; text: string }[] = [];
    const conflicts: modelcard.ValueConflict[] = [];
    for (const file of request.evalResults ?? []) {
      const onHub = token && repo ? await this.hubText(repo.id, file.path, token, signal) : null;
      const entries: unknown = parseYaml(file.text);
      if (onHub === null || !Array.isArray(entries)) {
        files.push(file);
        continue;
      }
      const benchmark = file.path.replace(/^.*\/|\.ya?ml$/g, '');
      const merged = modelcard.mergeEvalResultsFile(
        { ...file, benchmark, entries: entries as modelcard.EvalResultEntry[] },
        onHub,
        { overwrite: request.overwriteResults },
      );
      conflicts.push(...merged.conflicts);
      if (!merged.unchanged) files.push({ path: file.path, text: merged.value.text });
    }
    let readme = request.readme;
    if (request.modelIndex && token && repo) {
      const onHub = await this.hubText(repo.id, 'README.md', token, signal);
      const merged = modelcard.mergeHubModelIndex(readme, onHub, { overwrite: request.overwriteResults });
      conflicts.push(...merged.conflicts);
      readme = merged.text;
    }
    const frontMatter = frontMatterText(readme);
    const accepted = this.#acceptedFrontMatter.has(frontMatter) ? frontMatter : options.endpointAccepted;
    await assertCardPublishable({
      readme,
      files,
      conflicts,
      endpoint: await this.services.hub.endpoint(),
      token,
      fetchImpl: this.services.hub.fetch,
      signal,
      onLog: options.onLog,
      endpointAccepted: accepted,
    });
    this.#acceptedFrontMatter.add(frontMatter);
    return { readme, files };
  }

  async #localPlan(
    request: PublishRequest,
    card: { readme: string; files: { path: string; text: string }[] },
    token: string | null,
    options: PublishRunOptions & { fresh?: boolean },
  ): Promise<LocalPlan> {
    const { signal } = options;
    // A publish sends the files as they are now; a plan uses what the user was shown.
    if (options.fresh) await this.scan({ signal });
    const checkpoint = await this.checkpoint(request.checkpoint, signal);
    const { evalAccuracy, bestMetric } = await this.#evalAccuracyOf(checkpoint.name, signal);
    return planPublish({
      checkpoint,
      workspaceRoot: this.root,
      readmeText: card.readme,
      cardFiles: card.files,
      // The card as it is published decides which images travel with it (one rule for both faces).
      readmeAssets: referencedPaths(card.readme),
      include: request.include,
      exclude: request.exclude,
      evalAccuracy,
      ...(bestMetric ? { bestMetric } : {}),
      hasher: this.services.hasher,
      token,
      limits: options.limits,
      signal,
      onProgress: options.onProgress,
    });
  }

  /** Marks the files the Hub holds that this upload does not: kept, or deleted when asked. */
  static remoteOnly(
    plan: PublishPlan,
    remote: Map<string, RemoteEntry>,
    deleteRemote: boolean | undefined,
  ): RemoteOnlyFile[] {
    const planned = new Set(plan.files.map((f) => f.path));
    return [...remote.values()]
      .filter((e) => !planned.has(e.path) && e.path !== '.gitattributes')
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map((e) => ({ path: e.path, bytes: e.size, action: deleteRemote ? 'delete' : 'keep' }));
  }

  /** What would be sent: cheap, from the session's account, scan and evaluation and the cached Hub listing. */
  async plan(request: PublishRequest, options: PublishRunOptions = {}): Promise<PublishPlan> {
    const signal = this.signalFor(options.signal);
    const signedIn = await this.account(signal);
    // A bad name is reported before anything is scanned or hashed, so typing gets a quick answer.
    // Before sign-in a bare name has no owner yet: it is checked as the user's own ("you/NAME", as the
    // CLI's dry run plans) and the plan is made locally; only what the Hub holds waits for the owner.
    const ownerKnown = signedIn !== null || request.repo.includes('/');
    const repo = parseRepoName(request.repo, signedIn?.account.user ?? (ownerKnown ? null : 'you'));
    if (signedIn) this.#requireNamespace(repo, signedIn.account);
    const token = signedIn?.token ?? null;
    const card = await this.#checkedCard(request, ownerKnown ? repo : null, token, {
      signal,
      onLog: options.onLog,
      endpointAccepted: options.endpointAccepted,
    });
    const local = await this.#localPlan(request, card, token, { ...options, signal });
    if (!ownerKnown) return local.plan;
    // Without a token the Hub is read anonymously: a public repository's files show before sign-in.
    const [remote, target] = await Promise.all([
      this.#listing(repo, token),
      this.#targetOf(repo, token, signal),
    ]);
    const plan = remote
      ? applyRemote(local.plan, remote, { deleteRemote: request.deleteRemote })
      : local.plan;
    return {
      ...plan,
      remoteOnly: remote ? WorkspaceSession.remoteOnly(plan, remote, request.deleteRemote) : [],
      target,
    };
  }

  // ---- publish ----

  /**
   * Uploads and verifies. Cancelled before the commit, nothing is committed (a repository this run created
   * is said to be left empty); cancelled too late, it says which commit landed. Both end in `CANCELLED`.
   */
  async publish(request: PublishRequest, options: PublishRunOptions = {}): Promise<SessionPublishResult> {
    const signal = this.signalFor(options.signal);
    const progress = (p: JobProgress) => options.onProgress?.(p);
    const log = (line: string) => options.onLog?.(line);
    progress({ phase: 'token', done: 0, total: 1, unit: 'items', message: 'Checking the token' });
    const { token, account } = await this.services.accounts.signIn(this.root, { requireWrite: true, signal });
    requireWriteAccess(account);
    const repo = parseRepoName(request.repo, account.user);
    this.#requireNamespace(repo, account);
    const endpoint = await this.services.hub.endpoint();

    const other = await this.#otherWorkspace(repo.id);
    if (other && !request.confirmOtherWorkspace) {
      throw new AppError(
        'NOT_CONFIRMED',
        `${repo.id} was last published from another workspace (${other.workspace}, checkpoint ${other.checkpoint}, ${other.at}). ` +
          `Confirm that this workspace should publish there, or choose another repository. Nothing was uploaded.`,
      );
    }

    progress({ phase: 'scan', done: 0, total: 1, unit: 'items', message: 'Reading the checkpoint' });
    const card = await this.#checkedCard(request, repo, token, {
      signal,
      onLog: log,
      endpointAccepted: options.endpointAccepted,
    });
    const local = await this.#localPlan(request, card, token, {
      ...options,
      signal,
      fresh: options.rescan !== false,
    });

    // What the repository looked like before this run's commits, to tell afterwards what a cancel left.
    let created = false;
    let headBefore: string | null = null;
    let result: Awaited<ReturnType<typeof uploadPlan>>;
    try {
      result = await uploadPlan({
        local,
        repo: repo.id,
        endpoint,
        token,
        account,
        private: request.private,
        deleteRemote: request.deleteRemote,
        limits: options.limits,
        retry: options.retry,
        signal,
        onProgress: progress,
        onLog: log,
        fetch: this.services.hub.fetch,
        xetChunks: xetChunkStoreIn(path.join(this.services.dataDir, 'xet-chunks')),
        onRepoReady: async (ready) => {
          created = ready.created;
          // Asked without the signal: this answer is what a cancel is measured against.
          headBefore = (await this.services.hub.repoState(repo.id, token).catch(() => null))?.head ?? null;
        },
      });
    } catch (err) {
      if (!isCancelled(err, signal)) throw err;
      throw await this.#cancelled(repo, token, { created, headBefore });
    } finally {
      this.#forgetRepo(repo.id);
    }
    try {
      // A cancel that came while the commit was on its way, or during verification, is too late: it landed.
      signal.throwIfAborted();
      progress({
        phase: 'verify',
        done: 0,
        total: result.plan.files.length,
        unit: 'items',
        message: 'Checking what the Hub holds',
      });
      const readme = local.sources.get('README.md');
      const verification = await verifyPublish({
        plan: result.plan,
        repo: result.repo,
        endpoint,
        token,
        readme: readme?.kind === 'memory' ? readme.bytes : null,
        dataDir: this.services.dataDir,
        commit: result.outcome.commit,
        commits: result.outcome.commits.map((c) => c.oid),
        account: account.user,
        visibility:
          (await this.services.hub.repoState(repo.id, token).catch(() => null))?.visibility ?? undefined,
        keep: request.keepRemote ?? [],
        workspace: await this.realRoot(),
        fetch: this.services.hub.fetch,
        signal,
      });
      this.#forgetRepo(repo.id);
      progress({
        phase: 'verify',
        done: verification.checks.filter((c) => c.ok).length,
        total: verification.checks.length,
        unit: 'items',
        message: verification.verified ? 'Verified' : 'Verification found problems',
      });
      return { outcome: result.outcome, verification, plan: result.plan };
    } catch (err) {
      if (!isCancelled(err, signal)) throw err;
      throw await this.#cancelled(repo, token, { created, headBefore });
    }
  }

  /** What a cancel left on the Hub, as the error the job ends with. */
  async #cancelled(
    repo: RepoName,
    token: string,
    before: { created: boolean; headBefore: string | null },
  ): Promise<AppError> {
    const now = await this.services.hub.repoState(repo.id, token).catch(() => null);
    const committed = now?.exists && now.head !== null && now.head !== before.headBefore ? now.head : null;
    // A repository this run created stays (empty): what was uploaded into it is not sent again on the next
    // publish, which resumes there.
    const createdRepo: PublishCancelOutcome['createdRepo'] =
      before.created && committed === null ? 'left-empty' : null;
    const outcome: PublishCancelOutcome = { repoId: repo.id, committed, createdRepo };
    return new AppError('CANCELLED', describeCancel(outcome), outcome);
  }
}

/** The one sentence a cancelled publish ends with, in the window and the CLI. */
export function describeCancel(outcome: PublishCancelOutcome): string {
  if (outcome.committed) return `Too late: committed ${outcome.committed} to ${outcome.repoId}.`;
  const repoNote =
    outcome.createdRepo === 'left-empty'
      ? ` ${outcome.repoId} was created by this run and is left empty: publish again to resume (what was uploaded is not sent twice), or delete it on the Hub.`
      : ' Publish again to resume: what was uploaded is not sent twice.';
  return `Cancelled. Nothing was committed to ${outcome.repoId}.${repoNote}`;
}
