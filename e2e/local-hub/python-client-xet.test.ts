import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHub } from './index';
import type { LocalHub } from './index';
import { probePythonClient, runPython } from '../python/client';

/**
 * The Python client in its default configuration: with `hf_xet` and without HF_HUB_DISABLE_XET it uploads only
 * through Xet and downloads Xet-backed files through the CAS, so this is what a user running it sees.
 */
const { client, skipReason } = probePythonClient();
const xetSkipReason =
  skipReason ?? (client && !client.xet ? `hf_xet is not installed next to ${client.python}` : undefined);
const python = client?.python ?? 'python3';

const run = (args: string[], env: NodeJS.ProcessEnv) => runPython(python, args, { env, timeout: 180_000 });

const publishScript = String.raw`
import json, os, sys
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
endpoint, token, repo_id, folder, snapshot_dir = os.environ["HF_ENDPOINT"], os.environ["HF_TOKEN"], *sys.argv[1:4]
api = HfApi(endpoint=endpoint, token=token)
api.create_repo(repo_id, exist_ok=True)
api.upload_folder(repo_id=repo_id, folder_path=folder, commit_message="Upload from Python through Xet")
files = sorted(api.list_repo_files(repo_id))
downloads = {name: hf_hub_download(repo_id, name, endpoint=endpoint, token=token) for name in ["config.json", "weights.bin"]}
snapshot = snapshot_download(repo_id, endpoint=endpoint, token=token, local_dir=snapshot_dir)
info = {p.path: p.xet_hash for p in api.get_paths_info(repo_id, ["weights.bin"])}
print(json.dumps({"files": files, "downloads": downloads, "snapshot": snapshot, "xetHashes": info}))
`;

const updateScript = String.raw`
import json, os, sys
from huggingface_hub import HfApi, hf_hub_download
endpoint, token, repo_id, path = os.environ["HF_ENDPOINT"], os.environ["HF_TOKEN"], *sys.argv[1:3]
api = HfApi(endpoint=endpoint, token=token)
api.upload_file(repo_id=repo_id, path_or_fileobj=path, path_in_repo="weights.bin", commit_message="Change a few bytes")
download = hf_hub_download(repo_id, "weights.bin", endpoint=endpoint, token=token, force_download=True)
# A pull request: the client asks for a write token for revision "None", as it cannot know refs/pr/N yet.
pr = api.upload_file(repo_id=repo_id, path_or_fileobj=os.urandom(300_000), path_in_repo="adapter.bin", create_pr=True)
pr_download = hf_hub_download(repo_id, "adapter.bin", revision=f"refs/pr/{pr.pr_num}", endpoint=endpoint, token=token)
print(json.dumps({"download": download, "prUrl": pr.pr_url, "prDownload": pr_download}))
`;

async function storedXorbBytes(dataDir: string): Promise<number> {
  let total = 0;
  const root = join(dataDir, 'xet', 'xorbs');
  for (const fan of await readdir(root)) {
    for (const name of await readdir(join(root, fan)))
      if (!name.endsWith('.json')) total += (await stat(join(root, fan, name))).size;
  }
  return total;
}

describe('Python huggingface_hub client with hf_xet (its default)', () => {
  let workDir: string;
  let hub: LocalHub;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (xetSkipReason) return;
    workDir = await mkdtemp(join(tmpdir(), 'local-hub-python-xet-'));
    hub = await startLocalHub({
      dataDir: join(workDir, 'data'),
      users: [{ name: 'alice', token: 'hf_alice_xet', role: 'write' }],
    });
    env = {
      ...process.env,
      HF_ENDPOINT: hub.url,
      HF_TOKEN: 'hf_alice_xet',
      HF_HOME: join(workDir, 'hf-home'),
      HF_HUB_DISABLE_TELEMETRY: '1',
    };
    delete env.HF_HUB_DISABLE_XET;
    delete env.HF_HUB_OFFLINE;
  });

  afterAll(async () => {
    await hub?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it.skipIf(xetSkipReason !== undefined)(
    'uploads a folder through Xet, downloads it byte-identical, and a changed file re-sends only its changed chunks',
    async () => {
      const folder = join(workDir, 'upload');
      await mkdir(folder, { recursive: true });
      const config = Buffer.from('{"layers": 2}');
      const weights = randomBytes(6 * 1024 * 1024 + 123);
      await writeFile(join(folder, 'config.json'), config);
      await writeFile(join(folder, 'weights.bin'), weights);

      const first = await run(
        ['-c', publishScript, 'alice/xet-python', folder, join(workDir, 'snapshot')],
        env,
      );
      expect(first.code, first.stderr).toBe(0);
      const output = JSON.parse(first.stdout.trim().split('\n').at(-1)!) as {
        files: string[];
        downloads: Record<string, string>;
        snapshot: string;
        xetHashes: Record<string, string | null>;
      };
      expect(output.files).toEqual(['.gitattributes', 'config.json', 'weights.bin']);
      expect((await readFile(output.downloads['config.json']!)).equals(config)).toBe(true);
      expect((await readFile(output.downloads['weights.bin']!)).equals(weights)).toBe(true);
      expect((await readFile(join(output.snapshot, 'weights.bin'))).equals(weights)).toBe(true);
      expect((await readFile(join(output.snapshot, 'config.json'))).equals(config)).toBe(true);
      expect(output.xetHashes['weights.bin']).toMatch(/^[0-9a-f]{64}$/);

      const requests = hub.requestLog.map((entry) => `${entry.method} ${entry.kind}`);
      // The bytes went through the CAS: no classic LFS transfer at all.
      expect(requests).toContain('GET xet-token');
      expect(requests).toContain('POST xet-xorb');
      expect(requests).toContain('POST xet-shard');
      expect(requests.filter((r) => /lfs-(batch|put|part|complete)/.test(r))).toEqual([]);
      // And the downloads came back through reconstructions and xorb ranges, not as a plain GET of the file.
      expect(requests).toContain('GET xet-reconstruction');
      expect(requests).toContain('GET xet-data');
      expect(
        hub.requestLog.filter(
          (e) => e.method === 'GET' && e.kind === 'resolve' && e.path.endsWith('/weights.bin'),
        ),
      ).toEqual([]);
      // Expected answers only: 404 from global dedup for chunks nobody stored yet, and 416 where hf_xet asks for the
      // reconstruction segment after the last one (its end-of-file signal, api.md §1).
      const expectedErrors = (e: { kind: string; status: number }) =>
        (e.kind === 'xet-dedup' && e.status === 404) || (e.kind === 'xet-reconstruction' && e.status === 416);
      expect(
        hub.requestLog.filter((e) => e.kind.startsWith('xet-') && e.status >= 400 && !expectedErrors(e)),
      ).toEqual([]);

      // Change 4 KiB in the middle: content-defined chunking keeps every other chunk, so little is sent again.
      const changed = Buffer.from(weights);
      randomBytes(4096).copy(changed, 3 * 1024 * 1024);
      const changedPath = join(workDir, 'weights-v2.bin');
      await writeFile(changedPath, changed);
      const before = await storedXorbBytes(join(workDir, 'data'));
      const logStart = hub.requestLog.length;
      const second = await run(['-c', updateScript, 'alice/xet-python', changedPath], env);
      expect(second.code, second.stderr).toBe(0);
      const { download, prUrl, prDownload } = JSON.parse(second.stdout.trim().split('\n').at(-1)!) as {
        download: string;
        prUrl: string;
        prDownload: string;
      };
      expect((await readFile(download)).equals(changed)).toBe(true);
      expect(prUrl).toBe(`${hub.url}/alice/xet-python/discussions/1`);
      expect((await readFile(prDownload)).length).toBe(300_000);
      expect(hub.requestLog.slice(logStart).some((e) => e.kind === 'xet-token' && e.path.endsWith('/xet-write-token/None') && e.status === 200)).toBe(true);
      const sentAgain = (await storedXorbBytes(join(workDir, 'data'))) - before;
      // The run also sent the 300,000 random (incompressible) bytes of the PR's adapter.bin.
      expect(sentAgain).toBeGreaterThan(300_000);
      expect(sentAgain - 300_000).toBeLessThan(changed.length * 0.05);
      expect(hub.requestLog.slice(logStart).map((e) => e.kind)).toContain('commit');
    },
    240_000,
  );

  it.skipIf(xetSkipReason !== undefined)(
    'the fault plan reaches CAS requests: hf_xet retries a 503 on a xorb and a reset shard upload, and the file still lands intact',
    async () => {
      const content = randomBytes(2 * 1024 * 1024 + 9);
      const path = join(workDir, 'faulty.bin');
      await writeFile(path, content);
      hub.setFaults({
        rules: [
          { fault: 'status', status: 503, kinds: ['xet-xorb'], count: 1 },
          { fault: 'reset', afterBytes: 0, kinds: ['xet-shard'], count: 1 },
        ],
      });
      const logStart = hub.requestLog.length;
      try {
        const result = await run(['-c', updateScript, 'alice/xet-python', path], env);
        expect(result.code, result.stderr).toBe(0);
        const { download } = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { download: string };
        expect((await readFile(download)).equals(content)).toBe(true);
      } finally {
        hub.setFaults(undefined);
      }
      const log = hub.requestLog.slice(logStart);
      expect(log.filter((e) => e.kind === 'xet-xorb' && e.status === 503)).toHaveLength(1);
      expect(log.filter((e) => e.kind === 'xet-shard' && e.status === 0)).toHaveLength(1);
      expect(log.some((e) => e.kind === 'xet-shard' && e.status === 200)).toBe(true);
    },
    240_000,
  );

  // Trained weights do not compress: hf_xet fills a xorb with 64 MiB of chunk data, which serialized (with a
  // header per chunk) is a few KiB over 64 MiB. The CAS refused such xorbs and hf_xet failed at the shard ("lists
  // xorb …, which was never uploaded") for any file of random bytes over 64 MiB.
  it.skipIf(xetSkipReason !== undefined)(
    'takes full xorbs of incompressible bytes, as hf_xet sends them for trained weights',
    async () => {
      // Random-looking bytes from a fixed key (AES-256-CTR), so the chunks, and with them the xorbs, are always
      // the same: with this key hf_xet's second xorb comes to 67,113,525 bytes serialized.
      const key = Buffer.alloc(32);
      key.writeUInt32LE(6, 0);
      const content = createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(140 * 1024 * 1024));
      const path = join(workDir, 'incompressible.bin');
      await writeFile(path, content);
      const script = String.raw`
import json, os, sys
from huggingface_hub import HfApi, hf_hub_download
endpoint, token, path = os.environ["HF_ENDPOINT"], os.environ["HF_TOKEN"], sys.argv[1]
api = HfApi(endpoint=endpoint, token=token)
api.create_repo("alice/xet-weights", exist_ok=True)
api.upload_file(repo_id="alice/xet-weights", path_or_fileobj=path, path_in_repo="model.safetensors")
print(json.dumps({"download": hf_hub_download("alice/xet-weights", "model.safetensors", endpoint=endpoint, token=token)}))
`;
      const logStart = hub.requestLog.length;
      const result = await run(['-c', script, path], env);
      expect(result.code, result.stderr).toBe(0);
      const xorbs = hub.requestLog.slice(logStart).filter((e) => e.kind === 'xet-xorb');
      expect(xorbs.map((e) => e.status)).not.toContain(400);
      expect(Math.max(...xorbs.map((e) => e.bytesReceived))).toBeGreaterThan(64 * 1024 * 1024);
      const { download } = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as { download: string };
      expect((await readFile(download)).equals(content)).toBe(true);
    },
    240_000,
  );
});
