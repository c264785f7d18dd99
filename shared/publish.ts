/**
 * Publishing, as data the renderer can show: the account a token belongs to (never the token), the upload
 * plan, the outcome of an upload and its verification. JSON-serialisable only.
 */

/** Where the token came from, in the order they are tried. */
export type TokenSource =
  'explicit' | 'token-file' | 'keychain' | 'session' | 'env' | 'hf-token-file' | 'workspace';

export const TOKEN_SOURCE_LABELS: Record<TokenSource, string> = {
  explicit: 'typed in',
  'token-file': 'the --token-file',
  keychain: 'the system keychain',
  session: 'this session only (no keychain available)',
  env: 'the HF_TOKEN environment variable',
  'hf-token-file': 'the Hugging Face token file',
  workspace: "the workspace's hf_token.txt",
};

export type TokenRole = 'read' | 'write' | 'admin' | 'contributor' | 'fineGrained' | 'unknown';

export interface AccountInfo {
  user: string;
  fullname: string | null;
  orgs: string[];
  role: TokenRole;
  /** Whether the token can create repos and commit (write/admin/contributor, or a fine-grained token). */
  canWrite: boolean;
  /** `hf_…abcd` */
  masked: string;
  source: TokenSource;
}

export interface PlannedFile {
  /** Path in the repo, `/` separated. */
  path: string;
  /** Where the bytes come from: a file on disk, or the prepared text (README) kept in memory. */
  /** `card-metadata`: generated with the card (`.eval_results/*.yaml`). */
  origin: 'checkpoint' | 'readme' | 'asset' | 'card-metadata';
  bytes: number;
  /** Goes through large-file storage (LFS). */
  lfs: boolean;
  /** SHA-256 hex, once hashed. */
  sha256: string | null;
  /** Git blob SHA-1 hex, computed for regular files. */
  gitOid: string | null;
  /** Filled in when the remote is known: the remote already has this exact content. */
  unchanged?: boolean;
  /** The Xet file hash, once the file was uploaded through Xet (verification compares it with the Hub's). */
  xetHash?: string;
}

export interface ExcludedFile {
  path: string;
  reason:
    | 'training-state'
    | 'excluded-by-pattern'
    | 'not-included'
    | 'never-uploaded'
    | 'missing'
    | 'outside-workspace';
}

export interface PublishPlan {
  checkpoint: string;
  evalAccuracy: number | null;
  files: PlannedFile[];
  excluded: ExcludedFile[];
  /** Remote files that are not in the plan and would be deleted (only when deleting is asked for). */
  deletions: string[];
  /**
   * Files the repository holds that this upload does not ("on the Hub, not in this upload"), each kept or
   * deleted as the request's `deleteRemote` says. Empty when the repository is new or could not be listed.
   */
  remoteOnly: RemoteOnlyFile[];
  /** The repository as the Hub and the receipts know it; null when there is no account to ask with. */
  target: PublishTarget | null;
  totalBytes: number;
  lfsBytes: number;
  /** Paths grouped in commits, in order; each group becomes one commit. */
  commits: string[][];
  commitTitle: string;
}

export interface RemoteOnlyFile {
  path: string;
  bytes: number;
  action: 'keep' | 'delete';
}

export interface PublishTarget {
  repoId: string;
  /** Null when it could not be asked (network, no token). */
  exists: boolean | null;
  visibility: RepoVisibility | null;
  /**
   * The last publish to this repository recorded on this machine came from another workspace: the window
   * asks before publishing (and `publish:run` needs `confirmOtherWorkspace`). Null otherwise.
   */
  lastPublishedFrom: OtherWorkspacePublish | null;
}

export interface OtherWorkspacePublish {
  /** That workspace's folder. */
  workspace: string;
  at: string;
  checkpoint: string;
  commit: string | null;
}

/**
 * What a cancelled publish left on the Hub, for the message and the CLI's exit: `committed` null means no
 * commit of this run landed; `createdRepo` says what happened to a repository this run created.
 */
export interface PublishCancelOutcome {
  repoId: string;
  /** The head commit this run made before the cancel took effect ("Too late: committed <sha>"). */
  committed: string | null;
  /**
   * `left-empty`: this run created the repository and nothing was committed to it; it is kept, so the next
   * publish resumes there without sending again what was uploaded (the user may delete it on the Hub).
   */
  createdRepo: 'left-empty' | null;
}

export interface PublishedFile {
  path: string;
  bytes: number;
  lfs: boolean;
  sha256: string;
  /** Not sent this time because the Hub already had this content. */
  skipped: boolean;
}

export interface PublishOutcome {
  repoId: string;
  url: string;
  endpoint: string;
  private: boolean;
  createdRepo: boolean;
  /** One per commit made (empty when everything was already there). */
  commits: { oid: string; url: string; title: string; files: string[] }[];
  /** The head commit after publishing. */
  commit: string | null;
  files: PublishedFile[];
  bytesSent: number;
  /** LFS objects the Hub already had (no upload action in the batch answer). */
  lfsObjectsReused: number;
  /** The upload's three numbers at its end. */
  transfer?: TransferProgress;
  /** Present when the Hub took the files through Xet. */
  xet?: { files: number; xorbsSent: number; xorbsAlreadyStored: number };
}

/**
 * The three numbers an upload's progress shows, in bytes of the files being published: how much has been read
 * and prepared (chunked and hashed, for Xet), how much of it was new and sent, and how much the Hub already held
 * (files unchanged, objects already stored, chunks found by Xet deduplication) and so was not sent.
 */
export interface TransferProgress {
  processedBytes: number;
  sentBytes: number;
  alreadyOnHubBytes: number;
}

export interface VerificationCheck {
  path: string;
  ok: boolean;
  /** What was wrong, when not ok. */
  problem?: string;
}

export interface VerificationReport {
  verified: boolean;
  url: string;
  checks: VerificationCheck[];
  readmeByteEqual: boolean;
  receiptPath: string | null;
  /** The files as the Hub holds them (LFS or not as the Hub decided). */
  files: { path: string; bytes: number; lfs: boolean; sha256: string }[];
  /**
   * Files the repository holds that this publish neither uploaded nor was told to keep (another
   * checkpoint's weights, say): while any are there, `verified` is false.
   */
  unaccounted: { path: string; bytes: number }[];
  /** Files on the Hub the user chose to keep ("on the Hub, not in this upload" → keep). */
  kept: string[];
}

export interface PublishReceipt {
  version: 1;
  at: string;
  repoId: string;
  url: string;
  endpoint: string;
  checkpoint: string;
  evalAccuracy: number | null;
  commit: string | null;
  commits: string[];
  files: { path: string; bytes: number; lfs: boolean; sha256: string }[];
  verified: boolean;
  account: string | null;
  /** Who can see the repository after the publish, as the Hub reported it (absent in older receipts). */
  visibility?: RepoVisibility;
  /** The workspace folder published from (absent in older receipts). */
  workspace?: string;
}

export type RepoVisibility = 'public' | 'private';

/** What `hub-publisher publish --json` prints. */
export interface PublishSummary {
  repoId: string;
  url: string;
  checkpoint: string;
  evalAccuracy: number | null;
  commit: string | null;
  files: { path: string; bytes: number; lfs: boolean; sha256: string }[];
  verified: boolean;
  /** Who can see the repository: the user asked with --private, the Hub has the last word. */
  visibility?: RepoVisibility;
}

export { PUBLISH_PHASES, type PublishPhase } from './types';
