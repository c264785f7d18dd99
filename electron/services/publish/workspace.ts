/**
 * The whole publish of a workspace, as the CLI runs it: token → scan → evaluate → choose → card → plan →
 * upload → verify, straight through one `WorkspaceSession` (the window drives the same session one screen
 * at a time, through the IPC handlers).
 *
 * Hashing starts as soon as the checkpoint is known, so it overlaps the card, whoami and repo checks.
 */
import path from 'node:path';
import * as modelcard from '../../../shared/modelcard';
import { formatScore } from '../../../shared/format';
import type {
  AccountInfo,
  OtherWorkspacePublish,
  PublishOutcome,
  PublishPlan,
  PublishSummary,
  RepoVisibility,
  VerificationReport,
} from '../../../shared/publish';
import { redactSecrets } from '../../../shared/redact';
import { AppError } from '../../../shared/result';
import type { JobProgress, ScanResult } from '../../../shared/types';
import type { BestSelection } from '../../../shared/evaluation';
import { resolveHubEndpoint } from '../endpoint';
import { Hasher } from '../hash';
import { HubClient } from '../hub';
import {
  MAX_README_BYTES,
  WorkspaceSession,
  type AccountSource,
  type PublishRequest,
  type SignedIn,
} from '../session';
import { requireWriteAccess, resolveToken, type Keychain, type SessionTokenStore } from '../token';
import { filesToHash, type CommitLimits } from './plan';
import { assertCardPublishable, frontMatterText, readWorkspaceEvalResults } from './card-check';
import { parseRepoName } from '../../../shared/repo-name';
import type { RetryPolicy } from './transport';
import { formatBytes } from '../../../shared/units';

export { MAX_README_BYTES } from '../session';

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
  /** What picks the best (--metric, --weight); the workspace's remembered choice when absent. */
  selection?: BestSelection;
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
  /** Asked when the receipts say the repository was last published from another workspace. Absent: refused. */
  confirmOtherWorkspace?: (repoId: string, other: OtherWorkspacePublish) => Promise<boolean>;
  /** Shown the plan before anything is sent (the CLI's prompt); false stops with NOT_CONFIRMED. */
  confirmPlan?: (plan: PublishPlan, summary: PublishSummary) => Promise<boolean>;
  /** Keep the files on the Hub that this upload does not hold, knowingly: verification accepts them. */
  keepRemote?: boolean;
  /**
   * A model card the user edited (the CLI's `--card FILE`), published as written instead of the card prepared
   * from the workspace's README: its benchmark table is not refilled. The same card checks apply to it.
   */
  card?: { text: string; source: string };
}

export interface PublishWorkspaceResult {
  summary: PublishSummary;
  plan: PublishPlan;
  account: AccountInfo | null;
  outcome: PublishOutcome | null;
  verification: VerificationReport | null;
  dryRun: boolean;
  /** The README.md this publish sends (or, in a dry run, would send). */
  card: string;
}

/** What the card's metadata merges with: the workspace's `.eval_results` files, and (with a token) the Hub's. */
async function gatherEvalOutputs(
  session: WorkspaceSession,
  repoId: string,
  scores: Record<string, number>,
  options: Pick<PublishWorkspaceOptions, 'modelIndex' | 'evalResults' | 'overwriteResults' | 'signal'>,
  token: string | null,
): Promise<modelcard.EvalOutputOptions> {
  const existingEvalResults = options.evalResults ? await readWorkspaceEvalResults(session.root) : {};
  let remoteReadme: string | null = null;
  if (token) {
    const read = (repoPath: string) => session.hubText(repoId, repoPath, token, options.signal);
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

/**
 * The Model card screen's checks, applied before anything is sent: metadata the Hub cannot parse and a
 * card over the app's size limit stop the publish; the other problems are said, as the screen shows them.
 */
export function checkCard(text: string, scan: ScanResult, log: (line: string) => void): void {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_README_BYTES) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `The model card is ${formatBytes(bytes)}, over the ${formatBytes(MAX_README_BYTES)} limit the app and the Hub's card viewer use. Shorten README.md, then publish again.`,
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

/** The CLI's one token for the whole run, as the session's account source. */
function fixedAccount(signedIn: SignedIn | null, failure: unknown): AccountSource {
  return {
    generation: 0,
    signIn: async (_root, options = {}) => {
      if (!signedIn) throw failure;
      if (options.requireWrite) requireWriteAccess(signedIn.account);
      return signedIn;
    },
  };
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
  const hub = new HubClient(async () => endpoint);

  // whoami first: a wrong or read-only token fails before any scanning or benchmark runs.
  progress({ phase: 'token', done: 0, total: 1, unit: 'items', message: 'Checking the token' });
  let signedIn: SignedIn | null = null;
  let signInFailure: unknown = null;
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
    const account = await hub.whoami(resolved.token, resolved.source, signal);
    signedIn = { token: resolved.token, account };
    log(`Signed in as ${account.user} (${account.role} token ${account.masked}, from ${resolved.source})`);
  } catch (err) {
    // A dry run still shows the plan without a token; a real publish cannot.
    if (!options.dryRun) throw err;
    signInFailure = err;
    log(`Dry run without an account: ${err instanceof Error ? err.message : String(err)}`);
  }
  const account = signedIn?.account ?? null;
  const token = signedIn?.token ?? null;
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
    const state = await hub.repoState(early.id, token, signal);
    const existing = state.exists ? state.visibility : null;
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

  const hasher = options.hasher ?? new Hasher({ dataDir: options.dataDir });
  if (!options.hasher) hasher.warmUp();
  const session = new WorkspaceSession(root, {
    dataDir: options.dataDir,
    env: options.env ?? process.env,
    hub,
    hasher,
    accounts: fixedAccount(signedIn, signInFailure),
  });
  try {
    progress({ phase: 'scan', done: 0, total: 1, unit: 'items', message: 'Scanning the workspace' });
    const scan: ScanResult = await session.scan({ signal });
    if (scan.checkpoints.length === 0) {
      throw new AppError(
        'NO_CHECKPOINTS',
        `No checkpoints found in ${root}. Choose the folder your training wrote.`,
      );
    }

    // The card as it is on disk is checked before anything is hashed: a README the Hub would refuse stops here.
    const existing = await session.readme(signal);
    // A card the user passed replaces the README on disk, so only that one is checked (below).
    if (existing !== null && !options.card) {
      progress({ phase: 'card', done: 0, total: 1, unit: 'items', message: 'Checking the model card' });
      await assertCardPublishable({ readme: existing.text, files: [], endpoint, token, signal, onLog: log });
    }
    const acceptedFrontMatter =
      existing !== null && !options.card ? frontMatterText(existing.text) : undefined;

    const selection = { include: options.include, exclude: options.exclude };
    const named = options.checkpoint
      ? scan.checkpoints.find((c) => c.name === options.checkpoint || c.relPath === options.checkpoint)
      : undefined;
    // Hash ahead: a named checkpoint is hashed (in worker threads) while the benchmarks run.
    if (named) void hasher.hashAhead(filesToHash(named, selection), { signal });

    progress({ phase: 'evaluate', done: 0, total: 1, unit: 'items', message: 'Evaluating' });
    const report = await session.evaluate({
      cacheOnly: options.runBenchmarks === false,
      ...(options.selection ? { selection: options.selection } : {}),
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
    const checkpoint = await session.checkpoint(name, signal);
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
    const evalOutputs =
      options.modelIndex || options.evalResults
        ? await gatherEvalOutputs(session, repo.id, { ...(evaluation?.scores ?? {}) }, options, token)
        : undefined;
    const prepared = await session.prepareCard(checkpoint.name, repo.id, { signal, evalOutputs });
    const card = options.card ? { ...prepared, text: options.card.text } : prepared;
    if (options.card)
      log(`Model card: ${options.card.source}, as written (its benchmark table is not refilled).`);
    else for (const w of card.warnings) log(`Model card: ${w}`);
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

    const request: PublishRequest = {
      checkpoint: checkpoint.name,
      readme: card.text,
      // With the owner filled in when known. A dry run without an account plans a bare NAME as the user's
      // own without asking the Hub about a made-up "you/NAME"; an owner/NAME given is read anonymously.
      repo: account ? repo.id : options.repo,
      private: options.private,
      include: options.include,
      exclude: options.exclude,
      deleteRemote: options.deleteRemote,
      // The card already carries the Hub's model-index and .eval_results merged in (gatherEvalOutputs).
      evalResults: card.files.map((f) => ({ path: f.path, text: f.text })),
      overwriteResults: options.overwriteResults,
    };
    const runOptions = {
      signal,
      onProgress: progress,
      onLog: log,
      limits: options.limits,
      retry: options.retry,
      endpointAccepted: frontMatterText(card.text),
    };
    // The plan is made here only to be shown or asked about: the publish plans again from the files as they
    // are then (with ten thousand files, one more scan and plan cost seconds).
    const plan = options.dryRun || options.confirmPlan || options.keepRemote ? await session.plan(request, runOptions) : null;
    const summaryOf = (
      files: PublishSummary['files'],
      extra: Partial<PublishSummary> = {},
    ): PublishSummary => ({
      repoId: repo.id,
      url: `${endpoint}/${repo.id}`,
      ...(visibility ? { visibility } : {}),
      checkpoint: checkpoint.name,
      evalAccuracy,
      commit: null,
      files,
      verified: false,
      ...extra,
    });
    const planned = (plan?.files ?? []).map((f) => ({
      path: f.path,
      bytes: f.bytes,
      lfs: f.lfs,
      sha256: f.sha256 ?? '',
    }));
    if (options.dryRun && plan) {
      return {
        dryRun: true,
        plan,
        account,
        outcome: null,
        verification: null,
        summary: summaryOf(planned),
        card: card.text,
      };
    }
    const other = plan ? (plan.target?.lastPublishedFrom ?? null) : await session.otherWorkspace(repo.id);
    if (other) {
      const confirmed = (await options.confirmOtherWorkspace?.(repo.id, other)) ?? false;
      if (!confirmed) {
        throw new AppError(
          'NOT_CONFIRMED',
          `${repo.id} was last published from another workspace (${other.workspace}, checkpoint ${other.checkpoint}, ${other.at}). Publish to another repository, or confirm (answer the prompt, or pass --yes). Nothing was uploaded.`,
        );
      }
      log(
        `${repo.id} was last published from ${other.workspace}: publishing this workspace there, as confirmed.`,
      );
    }
    if (plan && options.confirmPlan && !(await options.confirmPlan(plan, summaryOf(planned)))) {
      throw new AppError('NOT_CONFIRMED', 'Nothing was published.');
    }
    const keepRemote = plan && options.keepRemote ? plan.remoteOnly.map((f) => f.path) : [];
    // The scan above is seconds old unless someone was asked something since (then time has passed): only
    // then does the publish scan again (see PublishRunOptions.rescan).
    const asked = other !== null || (plan !== null && options.confirmPlan !== undefined);
    const result = await session.publish(
      { ...request, keepRemote, confirmOtherWorkspace: other !== null },
      { ...runOptions, rescan: asked },
    );
    const after = await hub.repoState(repo.id, token!).catch(() => null);
    if (after?.visibility) visibility = after.visibility;
    return {
      dryRun: false,
      card: card.text,
      plan: result.plan,
      account,
      outcome: result.outcome,
      verification: result.verification,
      summary: summaryOf(result.verification.files, {
        repoId: result.outcome.repoId,
        url: result.verification.url,
        commit: result.outcome.commit,
        verified: result.verification.verified,
        ...(visibility ? { visibility } : {}),
      }),
    };
  } finally {
    session.close();
    if (!options.hasher) await hasher.close();
  }
}
