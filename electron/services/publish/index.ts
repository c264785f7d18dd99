/**
 * Publishing services for the main process and the CLI. The renderer sees only the data types in
 * `shared/publish.ts`: plans, outcomes, verification reports and the account (never the token).
 *
 * Typical app flow:
 *   - checkpoint selected → `hasher.hashAhead(files)` (digests land in the cache in the data folder);
 *   - sign-in → `resolveToken` / `describeAccount` / `saveToken`;
 *   - Publish clicked → `planPublish` (instant with the cache) → `publish` → `verifyPublish`.
 * The CLI runs all of it through `publishWorkspace`.
 */
export { Hasher, type FileDigest, type HashProgress } from '../hash';
export {
  describeAccount,
  forgetToken,
  requireWriteAccess,
  resolveToken,
  saveToken,
  SessionTokenStore,
  createKeychain,
  type Keychain,
  type ResolvedToken,
} from '../token';
export { verifyPublish, assertVerified, type VerifyInput } from '../verify';
export {
  applyRemote,
  commitTitle,
  filesToHash,
  groupCommits,
  planPublish,
  DEFAULT_COMMIT_LIMITS,
  NEVER_UPLOAD_PATTERNS,
  TRAINING_STATE_PATTERNS,
  type CommitLimits,
  type FileSource,
  type LocalPlan,
  type PlanInput,
  type RemoteEntry,
} from './plan';
export { checkRepoNameSyntax, parseRepoName, type RepoName } from '../../../shared/repo-name';
export { listRemote, modelUrl, publish, type PublishInput, type PublishResult } from './upload';
export { createHubFetch, FileSliceBlob, DEFAULT_RETRY, type RetryPolicy } from './transport';
export { publishWorkspace, type PublishWorkspaceOptions, type PublishWorkspaceResult } from './workspace';
