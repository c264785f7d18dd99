/**
 * After a publish, ask the Hub what it holds and compare with what we meant to send: every planned file
 * present with its size, LFS files by SHA-256 (and by Xet hash when they were sent through Xet) and regular
 * files by git blob id, and the README downloaded back byte for byte. The result is kept as a JSON receipt in the app's data folder.
 */
import { downloadFile } from '@huggingface/hub';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  PublishPlan,
  PublishReceipt,
  RepoVisibility,
  VerificationCheck,
  VerificationReport,
} from '../../../shared/publish';
import { AppError } from '../../../shared/result';
import { listRemote, modelUrl } from '../publish/upload';
import type { RepoName } from '../../../shared/repo-name';
import { hubErrorToAppError } from '../token';

export interface VerifyInput {
  plan: PublishPlan;
  repo: RepoName;
  endpoint: string;
  token: string;
  /** The README bytes that were meant to be published (from memory), or null when none was. */
  readme: Uint8Array | null;
  /** Where receipts go (`<dataDir>/receipts/`); null keeps none. */
  dataDir: string | null;
  commit: string | null;
  commits: string[];
  account: string | null;
  /** The repository's visibility, for the receipt. */
  visibility?: RepoVisibility;
  /** Files on the Hub outside the plan that the user chose to keep: not reported as unaccounted. */
  keep?: readonly string[];
  /** The workspace published from, for the receipt (so the next publish can tell another workspace's). */
  workspace?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export async function verifyPublish(input: VerifyInput): Promise<VerificationReport> {
  const { plan, repo, endpoint, token } = input;
  const fetchImpl = input.fetch ?? globalThis.fetch;
  input.signal?.throwIfAborted();
  const remote = await listRemote(repo, endpoint, token, fetchImpl);
  const checks: VerificationCheck[] = plan.files.map((f) => {
    const r = remote.get(f.path);
    if (!r) return { path: f.path, ok: false, problem: 'missing on the Hub' };
    if (r.size !== f.bytes)
      return { path: f.path, ok: false, problem: `size ${r.size} on the Hub, ${f.bytes} here` };
    if (r.lfs) {
      if (r.lfs.oid !== f.sha256)
        return {
          path: f.path,
          ok: false,
          problem: `SHA-256 ${r.lfs.oid.slice(0, 12)}… on the Hub differs from ${f.sha256?.slice(0, 12)}… here`,
        };
      // Sent through Xet: the Hub must serve the reconstruction we registered.
      if (f.xetHash && r.xetHash !== f.xetHash)
        return {
          path: f.path,
          ok: false,
          problem: r.xetHash
            ? `Xet hash ${r.xetHash.slice(0, 12)}… on the Hub differs from ${f.xetHash.slice(0, 12)}… here`
            : 'sent through Xet, but the Hub lists no Xet hash for it',
        };
      return { path: f.path, ok: true };
    }
    if (!f.gitOid)
      return { path: f.path, ok: false, problem: 'stored as a regular file but too large to compare' };
    return r.oid === f.gitOid
      ? { path: f.path, ok: true }
      : {
          path: f.path,
          ok: false,
          problem: `git blob ${r.oid.slice(0, 12)}… on the Hub differs from ${f.gitOid.slice(0, 12)}… here`,
        };
  });
  for (const gone of plan.deletions) {
    if (remote.has(gone))
      checks.push({ path: gone, ok: false, problem: 'should have been deleted but is still there' });
  }

  let readmeByteEqual = input.readme === null;
  if (input.readme !== null) {
    input.signal?.throwIfAborted();
    let blob: Blob | null;
    try {
      blob = await downloadFile({
        repo: { type: 'model', name: repo.id },
        path: 'README.md',
        hubUrl: endpoint,
        accessToken: token,
        fetch: fetchImpl,
      });
    } catch (err) {
      throw hubErrorToAppError(err, endpoint, `downloading README.md from ${repo.id}`);
    }
    const got = blob ? Buffer.from(await blob.arrayBuffer()) : null;
    readmeByteEqual = got !== null && Buffer.compare(got, Buffer.from(input.readme)) === 0;
    const check = checks.find((c) => c.path === 'README.md');
    if (!readmeByteEqual) {
      const problem =
        got === null
          ? 'README.md could not be downloaded'
          : 'the README on the Hub differs from the prepared one';
      if (check) Object.assign(check, { ok: false, problem });
      else checks.push({ path: 'README.md', ok: false, problem });
    }
  }

  // A repository holding files this publish neither sent nor was told to keep is mixed, not verified.
  const planned = new Set([...plan.files.map((f) => f.path), ...plan.deletions]);
  const keep = new Set(input.keep ?? []);
  const unaccounted = [...remote.values()]
    .filter((r) => !planned.has(r.path) && !keep.has(r.path) && r.path !== '.gitattributes')
    .map((r) => ({ path: r.path, bytes: r.size }))
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const kept = [...keep].filter((p) => remote.has(p) && !planned.has(p)).sort();
  const verified = checks.every((c) => c.ok) && readmeByteEqual && unaccounted.length === 0;
  const files = plan.files.map((f) => ({
    path: f.path,
    bytes: f.bytes,
    lfs: remote.get(f.path) ? remote.get(f.path)!.lfs !== null : f.lfs,
    sha256: f.sha256 ?? '',
  }));
  const url = modelUrl(endpoint, repo);
  let receiptPath: string | null = null;
  if (input.dataDir) {
    const receipt: PublishReceipt = {
      version: 1,
      at: new Date().toISOString(),
      repoId: repo.id,
      url,
      endpoint,
      checkpoint: plan.checkpoint,
      evalAccuracy: plan.evalAccuracy,
      commit: input.commit,
      commits: input.commits,
      files,
      verified,
      account: input.account,
      ...(input.visibility ? { visibility: input.visibility } : {}),
      ...(input.workspace ? { workspace: input.workspace } : {}),
    };
    const dir = path.join(input.dataDir, 'receipts');
    await mkdir(dir, { recursive: true });
    const stamp = receipt.at.replace(/[:.]/g, '-');
    receiptPath = path.join(dir, `${stamp}-${repo.namespace}-${repo.name}.json`);
    await writeFile(receiptPath, JSON.stringify(receipt, null, 2) + '\n');
  }
  return { verified, url, checks, readmeByteEqual, receiptPath, files, unaccounted, kept };
}

/** Throws VERIFICATION_FAILED naming what is wrong; for callers that treat a failed check as an error. */
export function assertVerified(report: VerificationReport): void {
  if (report.verified) return;
  const bad = report.checks.filter((c) => !c.ok).map((c) => `${c.path}: ${c.problem}`);
  throw new AppError(
    'VERIFICATION_FAILED',
    `The Hub does not hold exactly what was published: ${bad.join('; ')}. Publish again to repair it.`,
  );
}
