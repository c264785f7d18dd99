/**
 * The IPC contract: every channel between the renderer and the main process, with the schema of its
 * argument and the type of its result. The main process validates arguments with these schemas; the
 * preload and the browser test bridge build the same `window.api` from these lists.
 *
 * - Requests answer once with a `Result`.
 * - Jobs answer at once with a job id, then stream `job:progress` and end with one `job:done`.
 * - Everything about a workspace names the session `workspace:open` returned (`sessionId`), never a path:
 *   the main process resolves the folder from the session, so a request can only reach a workspace the
 *   user opened in that window. Opening another workspace (or `workspace:close`) ends the session: its
 *   jobs are cancelled and later requests naming it get `SESSION_CLOSED`. Every job event carries the
 *   session it belongs to, so an answer for a workspace no longer shown is dropped by its `sessionId`.
 */
import { z } from 'zod';
import { GLOB_LIMITS, globProblem } from '../glob';
import { isPrototypeKey } from '../prototype-keys';
import type { Result } from '../result';
import type {
  AccountInfo,
  PublishOutcome,
  PublishPlan,
  PublishReceipt,
  VerificationReport,
} from '../publish';
import type { ColumnChoice } from '../modelcard/types';
import type { EvaluationReport, JobProgress, PythonInterpreter, ScanResult } from '../types';

const absolutePath = z
  .string()
  .min(1, 'A folder path is required.')
  .max(4096)
  .refine(
    (p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'),
    'The path must be absolute.',
  );

/** Pairs a channel's argument schema with its result type (the value field exists for types only). */
function channel<Value>() {
  return <Args extends z.ZodType>(args: Args) => ({ args, value: undefined as unknown as Value });
}

const relativePath = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.split(/[\\/]/).includes('..'),
    'Must be a path inside the workspace.',
  );

const recordKey = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine(
      (s) => !isPrototypeKey(s),
      'This name is reserved (__proto__, prototype, constructor); rename it.',
    );

const checkpointName = recordKey(1024);

/** What `workspace:open` returned; the main process maps it to the folder and the window that opened it. */
export const SESSION_ID_PATTERN = /^ws-[0-9a-f]{16}$/;
const sessionId = z
  .string()
  .regex(SESSION_ID_PATTERN, 'Not a workspace session id; open the workspace first.');
const repoName = z.string().min(1).max(200);

/** A user include/exclude glob: bounded, so matching stays fast (see shared/glob.ts). */
const globPattern = z
  .string()
  .min(1)
  .max(GLOB_LIMITS.maxLength)
  .refine((p) => globProblem(p) === null, {
    message: 'Not a usable glob (too long, control characters or too many alternatives).',
  });
const globList = z.array(globPattern).max(GLOB_LIMITS.maxPatterns).optional();

/** What the renderer sends to plan or run a publish; the token and endpoint are the main process's own. */
const publishRequest = z.object({
  sessionId,
  checkpoint: checkpointName,
  /** The prepared model card, as edited by the user. */
  readme: z.string().max(8 * 1024 * 1024),
  /** `name` or `namespace/name`. */
  repo: repoName,
  private: z.boolean().default(false),
  include: globList,
  exclude: globList,
  /**
   * Files on the Hub that this upload does not hold (the plan's `remoteOnly`): kept (default) or deleted in
   * the same commit, as the CLI's `--delete-remote`.
   */
  deleteRemote: z.boolean().optional(),
  /**
   * Of those, the ones the user chose to keep: verification counts them as accounted for. Any other file on
   * the Hub outside this publish is reported as `unaccounted` and the publish is not called verified.
   */
  keepRemote: z.array(z.string().min(1).max(1024)).max(100_000).optional(),
  /** `.eval_results/*.yaml` the Model card screen generated from the same scores, uploaded with the card. */
  evalResults: z
    .array(
      z.object({
        path: z
          .string()
          .regex(/^\.eval_results\/[A-Za-z0-9._-]+\.ya?ml$/, 'Must be .eval_results/<name>.yaml.'),
        text: z.string().max(1024 * 1024),
      }),
    )
    .max(500)
    .optional(),
  /** The card's `model-index` was written from the scores: merge it with the Hub's README's, never clobber. */
  modelIndex: z.boolean().optional(),
  /** Let those files and that `model-index` replace values the Hub holds (otherwise a different value is refused). */
  overwriteResults: z.boolean().optional(),
  /**
   * The user confirmed publishing into a repository last published from another workspace (the plan's
   * `target.lastPublishedFrom`); without it `publish:run` is refused with `NOT_CONFIRMED`.
   */
  confirmOtherWorkspace: z.boolean().optional(),
});

export const requests = {
  'app:info': channel<AppInfo>()(z.void()),
  /** Opens a link in the system browser, only for the allow-listed Hub hosts. */
  'app:openExternal': channel<boolean>()(z.object({ url: z.string().max(2048) })),
  /** The native folder dialog; the path it answers may then be opened with `workspace:open`. */
  'workspace:choose': channel<string | null>()(z.void()),
  /**
   * A folder dropped on the window. Not a function of `window.api`: only `api.files.openDropped(file)`, whose
   * preload side derives the path from the File itself, sends it.
   */
  'workspace:dropped': channel<string>()(z.object({ path: z.string().max(4096) })),
  /** Workspaces opened before, as the main process remembers them. */
  'workspace:recent': channel<string[]>()(z.void()),
  /**
   * The past publishes of the workspaces opened before (the `workspace:recent` list), from the receipts in
   * the data folder for the configured endpoint, newest first. Only those workspaces: never any other path.
   */
  'workspace:history': channel<WorkspaceHistory[]>()(z.void()),
  /**
   * Starts a session for a folder the user chose, dropped or opened before (else `NOT_ALLOWED`). It
   * replaces the window's current session: that one's jobs are cancelled and its id stops answering.
   */
  'workspace:open': channel<WorkspaceSessionInfo>()(z.object({ root: absolutePath })),
  /** Ends a session (cancelling its jobs); false when it was not open. */
  'workspace:close': channel<boolean>()(z.object({ sessionId })),
  /** The native file dialog, to pick a Python interpreter the evaluation may run. */
  'evaluation:chooseInterpreter': channel<string | null>()(z.void()),
  'job:cancel': channel<boolean>()(z.object({ jobId: z.string().regex(/^job-\d+$/, 'Not a job id.') })),
  'settings:get': channel<Settings>()(z.void()),
  'settings:set': channel<Settings>()(z.object({ hubEndpoint: z.string().min(1).max(2048) })),
  /** An image the README references, as a data: URL for the preview (only inside the workspace). */
  'workspace:image': channel<string | null>()(z.object({ sessionId, path: relativePath })),
  'evaluation:interpreters': channel<PythonInterpreter[]>()(z.object({ sessionId })),
  /** Stores (or, with null, removes) a score entered by hand; the session's evaluation report follows it. */
  'evaluation:setScore': channel<boolean>()(
    z.object({
      sessionId,
      checkpoint: checkpointName,
      benchmark: recordKey(200),
      score: z.number().finite().nullable(),
    }),
  ),
  /**
   * What picks the best checkpoint for this workspace (a metric and per-benchmark weights, 0 leaving one
   * out): remembered in the data folder; the next evaluation report, the card and the commit title follow
   * it. Answers the report under the new choice (nothing is run); unknown names are refused, listing the
   * ones that exist.
   */
  'evaluation:setSelection': channel<EvaluationReport>()(
    z.object({
      sessionId,
      metric: z.string().min(1).max(200),
      weights: z.record(recordKey(200), z.number().finite().min(0)),
    }),
  ),
  /** What the model card is made from: the workspace README (the scanner's rule) and the checkpoint's config and training log. */
  'card:context': channel<CardContext>()(z.object({ sessionId, checkpoint: checkpointName })),
  /**
   * The card the session would publish for this checkpoint and repository, before any edit: the README with
   * its benchmark table filled (the column named after the model, else placeholders, never a baseline's),
   * or a generated one. The CLI publishes exactly this text; the window starts its editor from it.
   */
  'card:prepare': channel<PreparedCard>()(
    z.object({ sessionId, checkpoint: checkpointName, repo: repoName.optional() }),
  ),
  /**
   * Writes the edited card into the workspace as its README (atomically; the previous one is kept in the
   * data folder). Refused with CONFLICT when the README on disk is no longer the one `expectedSha256` names
   * (null: there was none).
   */
  'card:save': channel<CardSaveResult>()(
    z.object({
      sessionId,
      text: z.string().max(8 * 1024 * 1024),
      expectedSha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'Not a SHA-256.')
        .nullable(),
    }),
  ),
  /** The README currently on the Hub for a repo, or null when the repo or file does not exist (fetched once per session and repo). */
  'card:remote': channel<string | null>()(z.object({ sessionId, repo: repoName })),
  /** `sessionId` lets a workspace's `hf_token.txt` be found; the account is cached per session. */
  'account:status': channel<AccountStatus>()(z.object({ sessionId: sessionId.optional() })),
  /** A token the user typed in; `remember` keeps it in the OS keychain. The token never comes back. */
  'account:setToken': channel<AccountStatus>()(
    z.object({ token: z.string().min(1).max(512), remember: z.boolean() }),
  ),
  'account:forget': channel<AccountStatus>()(z.void()),
  /**
   * What the repository field should say for this workspace: the one remembered for it (its last publish),
   * otherwise one proposed from the README's title or the folder's name.
   */
  'publish:target': channel<RepoProposal>()(z.object({ sessionId })),
  /** Cheap: uses the session's account, scan and evaluation; the Hub's listing is cached per repo. */
  'publish:plan': channel<PublishPlan>()(publishRequest),
};

export const jobs = {
  /** Scans the session's workspace; the scan is the session's from then on. */
  'workspace:scan': channel<ScanResult>()(z.object({ sessionId })),
  'evaluation:run': channel<EvaluationReport>()(
    z.object({
      sessionId,
      /** Checkpoint names to evaluate; all when omitted. */
      checkpoints: z.array(checkpointName).max(10_000).optional(),
      benchmarks: z.array(recordKey(200)).max(1000).optional(),
      python: z.string().min(1).optional(),
      concurrency: z.number().int().min(1).max(64).optional(),
      useCache: z.boolean().optional(),
      /** Only re-run benchmarks that failed last time. */
      onlyFailed: z.boolean().optional(),
      /** Run nothing: report what is remembered, imported or entered by hand (instant on reopening). */
      cacheOnly: z.boolean().optional(),
    }),
  ),
  /** Hashes a checkpoint's large files ahead of time, so Publish starts sending bytes at once. */
  'publish:prepare': channel<{ files: number; bytes: number }>()(
    z.object({ sessionId, checkpoint: checkpointName }),
  ),
  /**
   * Uploads and verifies. Cancelled, it ends with `CANCELLED` and `error.cancel` saying what is on the Hub:
   * nothing committed (and whether the repository this run created was removed or left empty), or "too
   * late": the commit that landed.
   */
  'publish:run': channel<PublishResult>()(publishRequest),
};

export interface Settings {
  hubEndpoint: string;
}

export interface WorkspaceSessionInfo {
  sessionId: string;
  /** The folder as opened (the path the user chose or dropped). */
  root: string;
  /** The folder's own name, for titles. */
  name: string;
  /** What the repository field starts with for this workspace. */
  target: RepoProposal;
}

/** A receipt the data folder holds, with the file it is in. */
export interface StoredReceipt extends PublishReceipt {
  receiptPath: string;
}

/** `workspace:history`: one workspace opened before and what was published from it. */
export interface WorkspaceHistory {
  /** The folder's real path, as `workspace:recent` lists it. */
  root: string;
  /** Newest first. */
  publishes: StoredReceipt[];
}

/** The repository a workspace publishes to, and why it is that one. */
export interface RepoProposal {
  /** `name` or `namespace/name`, as the user would type it. */
  repo: string;
  /**
   * `remembered`: this workspace was last published there; `readme-title`: from the README's first heading
   * or `model_name`; `folder`: from the workspace folder's name.
   */
  source: 'remembered' | 'readme-title' | 'folder';
}

/** `card:prepare`: the card as the session would publish it. */
export interface PreparedCard {
  text: string;
  /** Where the text came from: the workspace README (the scanner's rule: `README.md`, any case) or generated. */
  origin: 'readme' | 'generated';
  /** The README's path relative to the workspace root, when there is one. */
  readmePath: string | null;
  /** The table column the scores were written to (a header text or index); undefined when no table. */
  column: ColumnChoice | undefined;
  /** The model name the column was matched against (the repository id). */
  modelName: string;
  warnings: string[];
  /** Relative paths of images the card references that exist in the workspace (they travel with it). */
  assets: string[];
}

/** `card:save`: where the card was written and where the README it replaced was kept. */
export interface CardSaveResult {
  /** Relative to the workspace root. */
  path: string;
  /** Absolute path of the copy of the previous README (in the app's data folder), or null when there was none. */
  backup: string | null;
  /** Of what is on disk now: the next save is checked against it. */
  sha256: string;
}

export interface CardContext {
  readme: string | null;
  /** SHA-256 of the README's bytes as read, for `card:save`'s check that nobody changed it since. */
  readmeSha256?: string | null;
  /** Relative to the workspace root; found by the scanner's rule (`README.md` in any case, bounded size). */
  readmePath: string | null;
  /** The checkpoint's config.json, parsed; null when it does not parse. */
  config: Record<string, unknown> | null;
  /** trainer_state.json of the checkpoint or the run, parsed, when present. */
  trainerState: Record<string, unknown> | null;
  /** `.eval_results/*.yaml` already in the workspace, by repo path: the card's results merge into them. */
  evalResults?: Record<string, string>;
}

export interface AccountStatus {
  /** Null when no token was found or it was refused; `error` says why. */
  account: AccountInfo | null;
  error: { code: string; message: string } | null;
  /** Whether the OS keychain can store a token on this machine. */
  keychainAvailable: boolean;
  /** What keeps a remembered token, and whether it is protected; null where unknown. */
  keychain?: KeychainStorage | null;
  hubEndpoint: string;
}

export interface KeychainStorage {
  /** `keychain`: the OS keychain through keytar; `safe-storage`: an encrypted file (Electron safeStorage). */
  kind: 'keychain' | 'safe-storage';
  /** For people: e.g. "GNOME Keyring / KWallet (Secret Service)", "basic_text (Electron safeStorage)". */
  backend: string;
  /** False when the key is a hard-coded one (Linux `basic_text`): the token is effectively plain text. */
  protected: boolean;
  note: string | null;
}

export interface PublishResult {
  outcome: PublishOutcome;
  verification: VerificationReport;
}

export interface AppInfo {
  version: string;
  hubEndpoint: string;
  platform: string;
}

export type RequestChannel = keyof typeof requests;
export type JobChannel = keyof typeof jobs;
export type Channel = RequestChannel | JobChannel;
export type ChannelArgs<C extends Channel> = z.input<(typeof requests & typeof jobs)[C]['args']>;
export type ChannelValue<C extends Channel> = (typeof requests & typeof jobs)[C]['value'];

export interface JobStarted {
  jobId: string;
}

/** Events from the main process; every job event names the job and the workspace session it belongs to. */
export interface EventPayloads {
  'job:progress': { jobId: string; sessionId: string; progress: JobProgress };
  'job:log': { jobId: string; sessionId: string; line: string };
  'job:done': { jobId: string; sessionId: string; result: Result<unknown> };
  /** A session ended (replaced by another `workspace:open`, closed, or its window went away). */
  'workspace:closed': { sessionId: string; reason: 'replaced' | 'closed' };
}
export type EventChannel = keyof EventPayloads;

export const EVENT_CHANNELS: readonly EventChannel[] = [
  'job:progress',
  'job:log',
  'job:done',
  'workspace:closed',
];
export const REQUEST_CHANNELS = Object.keys(requests) as RequestChannel[];
/** Channels whose argument the preload derives from a File; `window.api` has no string-taking function for them. */
export const FILE_DERIVED_CHANNELS: readonly Channel[] = ['workspace:dropped'];
export const JOB_CHANNELS = Object.keys(jobs) as JobChannel[];

type Domain<C extends string> = C extends `${infer D}:${string}` ? D : never;
type Call<Args, R> = [Args] extends [undefined | void] ? () => Promise<R> : (args: Args) => Promise<R>;
type Method<C extends Channel> = C extends RequestChannel
  ? Call<ChannelArgs<C>, Result<ChannelValue<C>>>
  : Call<ChannelArgs<C>, Result<JobStarted>>;

/**
 * `window.api`: one named function per channel, grouped by domain (`api.workspace.scan(args)` for
 * `workspace:scan`), plus event subscription and the real path of a dropped file.
 */
type ApiChannel = Exclude<Channel, 'workspace:dropped'>;
export type Api = {
  [D in Domain<ApiChannel>]: {
    [C in ApiChannel as C extends `${D}:${infer Verb}` ? Verb : never]: Method<C>;
  };
} & {
  events: { on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void };
  files: {
    pathFor(file: object): string;
    /** Opens a dropped folder as a workspace: the path is the File's own, as the platform reports it. */
    openDropped(file: object): Promise<Result<string>>;
  };
};

/** Builds the named functions from a transport; the preload and the browser bridge both use it. */
export function buildApi(transport: {
  invoke(channel: Channel, args: unknown): Promise<unknown>;
  on(event: EventChannel, listener: (payload: unknown) => void): () => void;
  pathFor(file: object): string;
}): Api {
  const api: Record<string, Record<string, unknown>> = {};
  for (const ch of [...REQUEST_CHANNELS, ...JOB_CHANNELS]) {
    if (FILE_DERIVED_CHANNELS.includes(ch)) continue;
    const [domain, verb] = ch.split(':') as [string, string];
    (api[domain] ??= {})[verb] = (args?: unknown) => transport.invoke(ch, args);
  }
  api.events = {
    on: (event: EventChannel, listener: (payload: unknown) => void) => transport.on(event, listener),
  };
  api.files = {
    pathFor: (file: object) => transport.pathFor(file),
    openDropped: (file: object) =>
      transport.invoke('workspace:dropped', { path: transport.pathFor(file) }) as Promise<Result<string>>,
  };
  return api as unknown as Api;
}
