import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHub } from './index';
import type { LocalHub } from './index';
import { probePythonClient, runPython } from '../python/client';

const { client, skipReason } = probePythonClient();

const python = client?.python ?? 'python3';

// Runs the Python client's usual publish flow; HF_HUB_DISABLE_XET=1 keeps LFS uploads on the classic protocol.
const script = String.raw`
import json, os, sys
from huggingface_hub import HfApi, hf_hub_download
endpoint, token, repo_id, folder = os.environ["HF_ENDPOINT"], os.environ["HF_TOKEN"], sys.argv[1], sys.argv[2]
api = HfApi(endpoint=endpoint, token=token)
first = api.create_repo(repo_id, exist_ok=True)
again = api.create_repo(repo_id, exist_ok=True)
api.upload_folder(repo_id=repo_id, folder_path=folder, commit_message="Upload from Python")
files = sorted(api.list_repo_files(repo_id))
downloads = {name: hf_hub_download(repo_id, name, endpoint=endpoint, token=token) for name in ["README.md", "config.json", "weights.bin"]}
print(json.dumps({"urls": [str(first), str(again)], "files": files, "downloads": downloads}))
`;

describe('Python huggingface_hub client', () => {
  let workDir: string;
  let hub: LocalHub;

  beforeAll(async () => {
    if (skipReason) return;
    workDir = await mkdtemp(join(tmpdir(), 'local-hub-python-'));
    hub = await startLocalHub({
      dataDir: join(workDir, 'data'),
      users: [{ name: 'alice', token: 'hf_alice_python', role: 'write' }],
      multipartThreshold: 5_000_000,
      multipartChunkSize: 4 * 1024 * 1024,
      treePageSize: 2,
    });
  });

  afterAll(async () => {
    await hub?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it.skipIf(skipReason !== undefined)(
    'creates a repo (exist_ok), uploads a folder and downloads it byte-identical',
    async () => {
      const folder = join(workDir, 'upload');
      await mkdir(folder, { recursive: true });
      const contents: Record<string, Buffer> = {
        'README.md': Buffer.from('---\nlicense: mit\n---\n# From Python\n'),
        'config.json': Buffer.from('{"layers": 2}'),
        'weights.bin': randomBytes(9 * 1024 * 1024 + 17),
      };
      for (const [name, content] of Object.entries(contents)) await writeFile(join(folder, name), content);
      // Asynchronous: the local Hub answers from this same process, so a synchronous spawn would deadlock.
      const result = await runPython(python, ['-c', script, 'alice/from-python', folder], {
        env: {
          ...process.env,
          HF_ENDPOINT: hub.url,
          HF_TOKEN: 'hf_alice_python',
          HF_HUB_DISABLE_XET: '1',
          HF_HOME: join(workDir, 'hf-home'),
          HF_HUB_DISABLE_TELEMETRY: '1',
          HF_HUB_OFFLINE: '0',
        },
        timeout: 120_000,
      });
      expect(result.code, result.stderr).toBe(0);
      const output = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as {
        urls: string[];
        files: string[];
        downloads: Record<string, string>;
      };
      expect(output.urls).toEqual([`${hub.url}/alice/from-python`, `${hub.url}/alice/from-python`]);
      expect(output.files).toEqual(['.gitattributes', 'README.md', 'config.json', 'weights.bin']);
      for (const [name, content] of Object.entries(contents)) {
        expect((await readFile(output.downloads[name]!)).equals(content), name).toBe(true);
      }
      const kinds = hub.requestLog.map((entry) => entry.kind);
      expect(kinds).toContain('validate-yaml');
      expect(kinds).toContain('lfs-part');
    },
  );
});
