/**
 * What the receipts in the data folder say about repositories and workspaces: the repository a workspace
 * last published to (remembered for it), and the workspace a repository was last published from (so
 * publishing a different workspace into it asks first).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { StoredReceipt } from '../../../shared/ipc/contract';
import type { PublishReceipt } from '../../../shared/publish';
import { readBoundedText } from '../safe-read';

/** Receipts are a few KiB (one line per file); anything larger is not one. */
const MAX_RECEIPT_BYTES = 16 * 1024 * 1024;

async function readReceipts(dataDir: string, endpoint: string): Promise<StoredReceipt[]> {
  const dir = path.join(dataDir, 'receipts');
  const names = await readdir(dir).catch(() => [] as string[]);
  const receipts: StoredReceipt[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    try {
      const file = path.join(dir, name);
      const text = await readBoundedText(file, { maxBytes: MAX_RECEIPT_BYTES });
      if (text === null) continue;
      const receipt = JSON.parse(text) as PublishReceipt;
      if (receipt?.version === 1 && receipt.endpoint === endpoint && typeof receipt.repoId === 'string')
        receipts.push({ ...receipt, receiptPath: file });
    } catch {
      // A damaged receipt says nothing; the others still do.
    }
  }
  return receipts.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/** The newest receipt of a repository on this endpoint. */
export async function lastPublishOf(
  dataDir: string,
  repoId: string,
  endpoint: string,
): Promise<PublishReceipt | null> {
  return (await readReceipts(dataDir, endpoint)).find((r) => r.repoId === repoId) ?? null;
}

/** The repository a workspace (its real path) was last published to on this endpoint. */
export async function rememberedRepoFor(
  dataDir: string,
  workspace: string,
  endpoint: string,
): Promise<string | null> {
  return (await readReceipts(dataDir, endpoint)).find((r) => r.workspace === workspace)?.repoId ?? null;
}

/** The publishes made from each of these workspaces (real paths) on this endpoint, newest first. */
export async function publishesOf(
  dataDir: string,
  workspaces: readonly string[],
  endpoint: string,
): Promise<Map<string, StoredReceipt[]>> {
  const byWorkspace = new Map<string, StoredReceipt[]>(workspaces.map((w) => [w, []]));
  for (const receipt of await readReceipts(dataDir, endpoint)) {
    if (receipt.workspace) byWorkspace.get(receipt.workspace)?.push(receipt);
  }
  return byWorkspace;
}
