/**
 * Publishing from the app: `publish:plan` (what would be sent), `publish:prepare` (hash ahead as soon as a
 * checkpoint is chosen) and `publish:run` (upload, verify, keep a receipt).
 *
 * Thin glue over the publishing services: the token comes from the shared `AccountSession`, the bytes are
 * planned by `planPublish`, sent by `publish`, checked by `verifyPublish`. One hasher per app, so hashes
 * made ahead are found again by the plan and the upload.
 */
import type { z } from 'zod';
import type { ChannelArgs, jobs, PublishResult } from '../../../shared/ipc/contract';
import type { PublishPlan } from '../../../shared/publish';
import { AppError } from '../../../shared/result';
import type { CheckpointInfo, JobProgress } from '../../../shared/types';
import { evaluateWorkspace } from '../../services/evaluate';
import { Hasher } from '../../services/hash';
import { applyRemote, planPublish, type LocalPlan } from '../../services/publish/plan';
import { assertCardPublishable, fetchHubText } from '../../services/publish/card-check';
import { mergeEvalResultsFile, mergeHubModelIndex, type EvalResultEntry, type ValueConflict } from '../../../shared/modelcard';
import { parse } from 'yaml';
import { parseRepoName } from '../../../shared/repo-name';
import { listRemote, publish } from '../../services/publish/upload';
import { referencedPaths } from '../../services/scan/readme';
import { verifyPublish } from '../../services/verify';
import type { HandlerRegistry, JobContext } from '../registry';
import { accountSession, type SignedIn } from './account';
import type { HandlerContext } from './index';

type PublishRequest = z.output<(typeof jobs)['publish:run']['args']>;

const hashers = new WeakMap<HandlerContext, Hasher>();

/** The app's hasher (its cache lives in the data folder, so hashes survive a restart). */
export function hasherFor(context: HandlerContext): Hasher {
  let hasher = hashers.get(context);
  if (!hasher) {
    hasher = new Hasher({ dataDir: context.dataDir });
    hashers.set(context, hasher);
  }
  return hasher;
}

/** Stops the hashing workers (tests, app shutdown). */
export async function closePublishHandlers(context: HandlerContext): Promise<void> {
  await hashers.get(context)?.close();
  hashers.delete(context);
}

/** `fresh` rescans (a publish sends the files as they are now); otherwise the workspace's last scan is used. */
async function findCheckpoint(
  context: HandlerContext,
  root: string,
  name: string,
  options: { signal?: AbortSignal; fresh?: boolean } = {},
): Promise<CheckpointInfo> {
  const scan = options.fresh
    ? await context.scans.rescan(root, { signal: options.signal })
    : await context.scans.get(root, options.signal);
  const checkpoint = scan.checkpoints.find((c) => c.name === name);
  if (!checkpoint) {
    throw new AppError(
      'NOT_FOUND',
      `There is no checkpoint named "${name}" in ${root} any more. Open the workspace again and choose a checkpoint.`,
    );
  }
  return checkpoint;
}

/**
 * The checkpoint's eval_accuracy as the evaluation already knows it (cache, imported results, manual
 * scores), for the commit title; nothing is run. Null when it was never evaluated.
 */
async function knownEvalAccuracy(
  context: HandlerContext,
  root: string,
  checkpoint: string,
  python: string | undefined,
  signal?: AbortSignal,
): Promise<number | null> {
  try {
    const report = await evaluateWorkspace({
      root,
      scan: await context.scans.get(root, signal),
      dataDir: context.dataDir,
      python,
      cacheOnly: true,
      env: context.env,
      signal,
    });
    return report.checkpoints.find((c) => c.name === checkpoint)?.evalAccuracy ?? null;
  } catch (err) {
    if (signal?.aborted) throw err;
    // A score is a nicety in the commit title; never a reason not to publish.
    return null;
  }
}

async function localPlan(
  context: HandlerContext,
  args: PublishRequest,
  token: string | null,
  options: { signal?: AbortSignal; onProgress?: (p: JobProgress) => void; fresh?: boolean; repoId?: string } = {},
): Promise<LocalPlan> {
  const endpoint = await context.settings.hubEndpoint();
  // .eval_results files already on the Hub are merged, never clobbered: a different value is refused
  // unless the user ticked "Replace existing values"; entries only the Hub has are kept.
  const cardFiles: { path: string; text: string }[] = [];
  const conflicts: ValueConflict[] = [];
  for (const file of args.evalResults ?? []) {
    const onHub = token && options.repoId ? await fetchHubText(endpoint, options.repoId, file.path, token, { signal: options.signal }) : null;
    const entries: unknown = parse(file.text);
    if (onHub === null || !Array.isArray(entries)) {
      cardFiles.push(file);
      continue;
    }
    const benchmark = file.path.replace(/^.*\/|\.ya?ml$/g, '');
    const merged = mergeEvalResultsFile({ ...file, benchmark, entries: entries as EvalResultEntry[] }, onHub, { overwrite: args.overwriteResults });
    conflicts.push(...merged.conflicts);
    if (!merged.unchanged) cardFiles.push({ path: file.path, text: merged.value.text });
  }
  // Likewise the Hub README's model-index, which the window did not have when it wrote the card's.
  let readme = args.readme;
  if (args.modelIndex && token && options.repoId) {
    const onHub = await fetchHubText(endpoint, options.repoId, 'README.md', token, { signal: options.signal });
    const merged = mergeHubModelIndex(readme, onHub, { overwrite: args.overwriteResults });
    conflicts.push(...merged.conflicts);
    readme = merged.text;
  }
  // The card is checked (locally and by the endpoint's validate-yaml) before any file is hashed.
  await assertCardPublishable({ readme, files: cardFiles, conflicts, endpoint, token, signal: options.signal });
  const checkpoint = await findCheckpoint(context, args.root, args.checkpoint, options);
  const evalAccuracy = await knownEvalAccuracy(context, args.root, checkpoint.name, args.python, options.signal);
  return planPublish({
    checkpoint,
    workspaceRoot: args.root,
    readmeText: readme,
    cardFiles,
    // The card as edited decides which images travel with it, not the README on disk.
    readmeAssets: referencedPaths(readme),
    include: args.include,
    exclude: args.exclude,
    evalAccuracy,
    hasher: hasherFor(context),
    token,
    signal: options.signal,
    onProgress: options.onProgress,
  });
}

/** The plan as the renderer shows it: files already on the Hub are marked when the repo exists. */
async function plan(context: HandlerContext, args: PublishRequest): Promise<PublishPlan> {
  const session = accountSession(context);
  let signedIn: SignedIn | null = null;
  try {
    signedIn = await session.signIn(args.root);
  } catch {
    // Without an account the plan is still worth showing; the Account panel says what is wrong.
  }
  // A bad name is reported before anything is scanned or hashed, so typing gets a quick answer.
  const repo = parseRepoName(args.repo, signedIn?.account.user ?? null);
  if (signedIn && repo.namespace !== signedIn.account.user && !signedIn.account.orgs.includes(repo.namespace)) {
    const { user } = signedIn.account;
    throw new AppError(
      'REPO_FORBIDDEN',
      `You are signed in as ${user}, who cannot publish to "${repo.namespace}": it is another user or an organisation ` +
        `you are not a member of. Publish as ${user}/${repo.name}, or ask an admin of ${repo.namespace} to add you.`,
    );
  }
  const local = await localPlan(context, args, signedIn?.token ?? null, { repoId: repo.id });
  if (!signedIn) return local.plan;
  const endpoint = await context.settings.hubEndpoint();
  try {
    const remote = await listRemote(repo, endpoint, signedIn.token, session.fetch ?? globalThis.fetch);
    return applyRemote(local.plan, remote, { deleteRemote: args.deleteRemote });
  } catch {
    // The remote state is a hint here; publishing looks again and reports what is wrong.
    return local.plan;
  }
}

async function run(context: HandlerContext, args: PublishRequest, job: JobContext): Promise<PublishResult> {
  const session = accountSession(context);
  job.progress({ phase: 'token', done: 0, total: 1, unit: 'items', message: 'Checking the token' });
  const { token, account } = await session.signIn(args.root, { requireWrite: true, signal: job.signal });
  const endpoint = await context.settings.hubEndpoint();
  parseRepoName(args.repo, account.user);

  job.progress({ phase: 'scan', done: 0, total: 1, unit: 'items', message: 'Reading the checkpoint' });
  const local = await localPlan(context, args, token, {
    signal: job.signal,
    onProgress: job.progress,
    fresh: true,
    repoId: parseRepoName(args.repo, account.user).id,
  });

  const published = await publish({
    local,
    repo: args.repo,
    endpoint,
    token,
    account,
    private: args.private,
    deleteRemote: args.deleteRemote,
    signal: job.signal,
    onProgress: job.progress,
    onLog: job.log,
    fetch: session.fetch,
  });

  job.progress({ phase: 'verify', done: 0, total: published.plan.files.length, unit: 'items', message: 'Checking what the Hub holds' });
  const verification = await verifyPublish({
    plan: published.plan,
    repo: published.repo,
    endpoint,
    token,
    readme: Buffer.from(args.readme, 'utf8'),
    dataDir: context.dataDir,
    commit: published.outcome.commit,
    commits: published.outcome.commits.map((c) => c.oid),
    account: account.user,
    fetch: session.fetch,
    signal: job.signal,
  });
  job.progress({
    phase: 'verify',
    done: verification.checks.filter((c) => c.ok).length,
    total: verification.checks.length,
    unit: 'items',
    message: verification.verified ? 'Verified' : 'Verification found problems',
  });
  return { outcome: published.outcome, verification };
}

async function prepare(
  context: HandlerContext,
  args: ChannelArgs<'publish:prepare'>,
  job: JobContext,
): Promise<{ files: number; bytes: number }> {
  const checkpoint = await findCheckpoint(context, args.root, args.checkpoint, { signal: job.signal });
  // Planning with the checkpoint's own README hashes exactly the files a publish would send.
  const { plan: prepared } = await planPublish({
    checkpoint,
    workspaceRoot: args.root,
    readmeText: null,
    readmeAssets: [],
    evalAccuracy: null,
    hasher: hasherFor(context),
    signal: job.signal,
    onProgress: job.progress,
  });
  return { files: prepared.files.length, bytes: prepared.totalBytes };
}

export function registerPublishHandlers(registry: HandlerRegistry, context: HandlerContext): void {
  registry.onDispose(() => closePublishHandlers(context));
  registry.handle('publish:plan', (args) => plan(context, args));
  registry.handleJob('publish:prepare', (args, job) => prepare(context, args, job));
  registry.handleJob('publish:run', (args, job) => run(context, args, job));
}
