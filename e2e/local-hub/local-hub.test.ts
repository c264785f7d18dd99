import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import {
  HubApiError,
  commit,
  createBranch,
  createRepo,
  deleteFile,
  deleteRepo,
  downloadFile,
  fileExists,
  listCommits,
  listFiles,
  modelInfo,
  pathsInfo,
  repoExists,
  uploadFiles,
  whoAmI,
} from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHub } from './index';
import type { LocalHub, LocalHubOptions } from './index';

const alice = { name: 'alice', token: 'hf_alice_write_token', role: 'write' as const };
const bob = { name: 'bob', token: 'hf_bob_write_token', role: 'write' as const };
const reader = { name: 'carol', token: 'hf_carol_read_token', role: 'read' as const };

let workDir: string;
let dataDir: string;
let hub: LocalHub;
let options: LocalHubOptions;
let bigFile: string;
let bigFileSha: string;
const bigFileSize = 25 * 1000 * 1000 + 12345;

async function expectHubError(promise: Promise<unknown>, statusCode: number): Promise<HubApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected HubApiError ${statusCode}`).toBeInstanceOf(HubApiError);
  expect((error as HubApiError).statusCode).toBe(statusCode);
  return error as HubApiError;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < size; ) {
    const chunk = randomBytes(Math.min(1024 * 1024, size - written));
    hash.update(chunk);
    written += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
  return hash.digest('hex');
}

const credentials = (user: { token: string }) => ({ accessToken: user.token, hubUrl: hub.url });
const count = (kind: string, status?: number) => hub.requestLog.filter((e) => e.kind === kind && (status === undefined || e.status === status)).length;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'local-hub-test-'));
  dataDir = join(workDir, 'data');
  options = {
    dataDir,
    users: [alice, bob, reader],
    orgs: [{ name: 'acme', members: ['alice', 'carol'] }],
    treePageSize: 7,
    multipartChunkSize: 8 * 1024 * 1024,
    // This file checks the classic LFS protocol (basic and multipart uploads); xet.test.ts covers the Xet side.
    xet: false,
  };
  hub = await startLocalHub(options);
  bigFile = join(workDir, 'model.safetensors');
  bigFileSha = await writeRandomFile(bigFile, bigFileSize);
});

afterAll(async () => {
  await hub?.close();
  await rm(workDir, { recursive: true, force: true });
});

describe('local Hub with the real @huggingface/hub client', () => {
  it('answers whoAmI for a known token and 401 for an unknown one', async () => {
    const me = await whoAmI(credentials(alice));
    expect(me.name).toBe('alice');
    expect(me.type).toBe('user');
    expect(me.auth.accessToken?.role).toBe('write');
    expect(me.type === 'user' && me.orgs.map((o) => o.name)).toEqual(['acme']);
    const error = await expectHubError(whoAmI({ accessToken: 'hf_not_a_known_token', hubUrl: hub.url }), 401);
    expect(error.message).toContain('Invalid credentials in Authorization header');
  });

  it('creates a repo, then answers 409 with its url for the same name', async () => {
    const created = await createRepo({ repo: 'alice/first', ...credentials(alice) });
    expect(created.repoUrl).toBe(`${hub.url}/alice/first`);
    const error = await expectHubError(createRepo({ repo: 'alice/first', ...credentials(alice) }), 409);
    expect(error.data?.url).toBe(`${hub.url}/alice/first`);
    expect(await repoExists({ repo: 'alice/first', hubUrl: hub.url })).toBe(true);
    const files = [];
    for await (const entry of listFiles({ repo: 'alice/first', ...credentials(alice) })) files.push(entry.path);
    expect(files).toEqual(['.gitattributes']);
  });

  it('writes a license README when asked, and lets a dataset live under an org', async () => {
    await createRepo({ repo: { type: 'dataset', name: 'acme/corpus' }, license: 'mit', ...credentials(alice) });
    const readme = await downloadFile({ repo: { type: 'dataset', name: 'acme/corpus' }, path: 'README.md', ...credentials(alice) });
    expect(await readme?.text()).toBe('---\nlicense: mit\n---\n');
  });

  it('refuses writes from read tokens, into foreign namespaces and into orgs one is not in', async () => {
    await expectHubError(createRepo({ repo: 'carol/mine', ...credentials(reader) }), 403);
    await expectHubError(createRepo({ repo: 'bob/not-yours', ...credentials(alice) }), 403);
    await expectHubError(createRepo({ repo: 'acme/not-a-member', ...credentials(bob) }), 403);
    // A read token is refused already at preupload, before any byte is sent.
    const before = hub.requestLog.length;
    await expectHubError(
      uploadFiles({ repo: 'alice/first', files: [{ path: 'x.txt', content: new Blob(['x']) }], ...credentials(reader) }),
      403,
    );
    expect(hub.requestLog.slice(before).map((e) => `${e.kind} ${e.status}`)).toEqual(['preupload 403']);
    await expectHubError(uploadFiles({ repo: 'alice/first', files: [{ path: 'x.txt', content: new Blob(['x']) }], ...credentials(bob) }), 403);
  });

  it('uploads regular files and a multipart LFS file, and downloads them byte-identical', async () => {
    await createRepo({ repo: 'alice/model', ...credentials(alice) });
    const config = JSON.stringify({ hidden_size: 64, layers: 2 });
    const readme = '---\nlicense: apache-2.0\n---\n# A model\n';
    const nested = randomBytes(3000);
    const logBefore = hub.requestLog.length;
    const result = await uploadFiles({
      repo: 'alice/model',
      files: [
        { path: 'config.json', content: new Blob([config]) },
        { path: 'README.md', content: new Blob([readme]) },
        { path: 'eval/scores.txt', content: new Blob([nested]) },
        { path: 'model.safetensors', content: pathToFileURL(bigFile) },
      ],
      commitTitle: 'Add model',
      ...credentials(alice),
    });
    expect(result?.commit.oid).toMatch(/^[0-9a-f]{40}$/);
    expect(result?.commit.url).toBe(`${hub.url}/alice/model/commit/${result?.commit.oid}`);
    const log = hub.requestLog.slice(logBefore);
    const kinds = log.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'lfs-part')).toHaveLength(Math.ceil(bigFileSize / (8 * 1024 * 1024)));
    expect(kinds.filter((k) => k === 'lfs-complete')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'commit')).toHaveLength(1);
    expect(log.every((e) => e.status === 200)).toBe(true);

    const downloadedConfig = await downloadFile({ repo: 'alice/model', path: 'config.json', ...credentials(alice) });
    expect(await downloadedConfig?.text()).toBe(config);
    const downloadedNested = await downloadFile({ repo: 'alice/model', path: 'eval/scores.txt', ...credentials(alice) });
    expect(Buffer.from(await downloadedNested!.arrayBuffer()).equals(nested)).toBe(true);
    const downloadedBig = await downloadFile({ repo: 'alice/model', path: 'model.safetensors', ...credentials(alice) });
    expect(downloadedBig?.size).toBe(bigFileSize);
    expect(sha256(new Uint8Array(await downloadedBig!.arrayBuffer()))).toBe(bigFileSha);
    const pointer = await downloadFile({ repo: 'alice/model', path: 'model.safetensors', raw: true, ...credentials(alice) });
    expect(await pointer?.text()).toBe(`version https://git-lfs.github.com/spec/v1\noid sha256:${bigFileSha}\nsize ${bigFileSize}\n`);
    expect(await downloadFile({ repo: 'alice/model', path: 'missing.bin', ...credentials(alice) })).toBeNull();

    const info = await pathsInfo({ repo: 'alice/model', paths: ['model.safetensors', 'eval', 'nope'], expand: true, ...credentials(alice) });
    expect(info.map((i) => [i.path, i.type, i.lfs?.oid])).toEqual([
      ['model.safetensors', 'file', bigFileSha],
      ['eval', 'directory', undefined],
    ]);
    expect(info[0]?.lastCommit?.id).toBe(result?.commit.oid);

    const model = await modelInfo({ name: 'alice/model', ...credentials(alice) });
    expect(model.name).toBe('alice/model');
    expect(model.private).toBe(false);
  });

  it('does not upload an LFS object the server already has', async () => {
    await createRepo({ repo: 'alice/copy', ...credentials(alice) });
    const before = hub.requestLog.length;
    await uploadFiles({ repo: 'alice/copy', files: [{ path: 'weights.safetensors', content: pathToFileURL(bigFile) }], ...credentials(alice) });
    const kinds = hub.requestLog.slice(before).map((e) => e.kind);
    expect(kinds).toEqual(['preupload', 'lfs-batch', 'commit']);
  });

  it('tells whether files exist and deletes them', async () => {
    expect(await fileExists({ repo: 'alice/model', path: 'config.json', ...credentials(alice) })).toBe(true);
    expect(await fileExists({ repo: 'alice/model', path: 'model.safetensors', ...credentials(alice) })).toBe(true);
    expect(await fileExists({ repo: 'alice/model', path: 'nothing.txt', ...credentials(alice) })).toBe(false);
    await deleteFile({ repo: 'alice/model', path: 'eval/scores.txt', ...credentials(alice) });
    expect(await fileExists({ repo: 'alice/model', path: 'eval/scores.txt', ...credentials(alice) })).toBe(false);
    await expectHubError(deleteFile({ repo: 'alice/model', path: 'eval/scores.txt', ...credentials(alice) }), 404);
  });

  it('rejects a commit whose parentCommit is stale with 412', async () => {
    const first = await uploadFiles({ repo: 'alice/model', files: [{ path: 'a.txt', content: new Blob(['a']) }], ...credentials(alice) });
    const parent = first!.commit.oid;
    await uploadFiles({ repo: 'alice/model', files: [{ path: 'b.txt', content: new Blob(['b']) }], parentCommit: parent, ...credentials(alice) });
    const error = await expectHubError(
      commit({
        repo: 'alice/model',
        title: 'Based on an old head',
        operations: [{ operation: 'addOrUpdate', path: 'c.txt', content: new Blob(['c']) }],
        parentCommit: parent,
        ...credentials(alice),
      }),
      412,
    );
    expect(error.message).toContain('A commit has happened since');
    expect(await fileExists({ repo: 'alice/model', path: 'c.txt', ...credentials(alice) })).toBe(false);
  });

  it('serialises concurrent commits: all land without parentCommit, only one with the same parentCommit', async () => {
    await createRepo({ repo: 'alice/busy', ...credentials(alice) });
    const upload = (path: string, parentCommit?: string) =>
      uploadFiles({ repo: 'alice/busy', files: [{ path, content: new Blob([path]) }], parentCommit, ...credentials(alice) });
    await Promise.all(['one.txt', 'two.txt', 'three.txt'].map((path) => upload(path)));
    const files = [];
    for await (const entry of listFiles({ repo: 'alice/busy', ...credentials(alice) })) files.push(entry.path);
    expect(files.sort()).toEqual(['.gitattributes', 'one.txt', 'three.txt', 'two.txt']);
    const head = (await modelInfo({ name: 'alice/busy', additionalFields: ['sha'], ...credentials(alice) })).sha;
    const outcomes = await Promise.allSettled([upload('a.txt', head), upload('b.txt', head)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect((rejected?.reason as HubApiError).statusCode).toBe(412);
  });

  it('opens a pull request on refs/pr/N without touching main', async () => {
    const pr = await uploadFiles({
      repo: 'alice/model',
      files: [{ path: 'proposal.md', content: new Blob(['# please merge']) }],
      isPullRequest: true,
      commitTitle: 'Proposal',
      ...credentials(alice),
    });
    expect(pr?.pullRequestUrl).toBe(`${hub.url}/alice/model/discussions/1`);
    expect(await fileExists({ repo: 'alice/model', path: 'proposal.md', ...credentials(alice) })).toBe(false);
    expect(await fileExists({ repo: 'alice/model', path: 'proposal.md', revision: 'refs/pr/1', ...credentials(alice) })).toBe(true);
    const prFiles = [];
    for await (const entry of listFiles({ repo: 'alice/model', revision: 'refs/pr/1', ...credentials(alice) })) prFiles.push(entry.path);
    expect(prFiles).toContain('proposal.md');
    // Later commits go to the PR ref itself.
    await uploadFiles({ repo: 'alice/model', files: [{ path: 'more.md', content: new Blob(['more']) }], branch: 'refs/pr/1', ...credentials(alice) });
    const more = await downloadFile({ repo: 'alice/model', path: 'more.md', revision: 'refs/pr/1', ...credentials(alice) });
    expect(await more?.text()).toBe('more');
    const second = await uploadFiles({ repo: 'alice/model', files: [{ path: 'p2.md', content: new Blob(['2']) }], isPullRequest: true, ...credentials(alice) });
    expect(second?.pullRequestUrl).toBe(`${hub.url}/alice/model/discussions/2`);
  });

  it('creates branches from main, empty ones, and refuses an existing name', async () => {
    await createBranch({ repo: 'alice/model', branch: 'dev', ...credentials(alice) });
    expect(await fileExists({ repo: 'alice/model', path: 'config.json', revision: 'dev', ...credentials(alice) })).toBe(true);
    await uploadFiles({ repo: 'alice/model', branch: 'dev', files: [{ path: 'dev-only.txt', content: new Blob(['dev']) }], ...credentials(alice) });
    expect(await fileExists({ repo: 'alice/model', path: 'dev-only.txt', ...credentials(alice) })).toBe(false);
    expect(await fileExists({ repo: 'alice/model', path: 'dev-only.txt', revision: 'dev', ...credentials(alice) })).toBe(true);
    await expectHubError(createBranch({ repo: 'alice/model', branch: 'dev', ...credentials(alice) }), 409);
    await createBranch({ repo: 'alice/model', branch: 'scratch', empty: true, ...credentials(alice) });
    const files = [];
    for await (const entry of listFiles({ repo: 'alice/model', revision: 'scratch', ...credentials(alice) })) files.push(entry);
    expect(files).toEqual([]);
    await expectHubError(listFiles({ repo: 'alice/model', revision: 'no-such-branch', ...credentials(alice) }).next(), 404);
  });

  it('pages tree listings through absolute Link headers to the end', async () => {
    await createRepo({ repo: 'alice/many', ...credentials(alice) });
    const names = Array.from({ length: 23 }, (_, i) => `shards/part-${String(i).padStart(2, '0')}.txt`);
    await uploadFiles({ repo: 'alice/many', files: names.map((path) => ({ path, content: new Blob([path]) })), ...credentials(alice) });
    const treeRequestsBefore = count('tree');
    const recursive = [];
    for await (const entry of listFiles({ repo: 'alice/many', recursive: true, ...credentials(alice) })) recursive.push(entry);
    expect(count('tree') - treeRequestsBefore).toBe(Math.ceil(recursive.length / 7));
    expect(recursive.filter((e) => e.type === 'file').map((e) => e.path)).toEqual(['.gitattributes', ...names]);
    expect(recursive.find((e) => e.path === 'shards')?.type).toBe('directory');
    const top = [];
    for await (const entry of listFiles({ repo: 'alice/many', ...credentials(alice) })) top.push(`${entry.type}:${entry.path}`);
    expect(top).toEqual(['file:.gitattributes', 'directory:shards']);
    const inFolder = [];
    for await (const entry of listFiles({ repo: 'alice/many', path: 'shards', expand: true, ...credentials(alice) })) inFolder.push(entry);
    expect(inFolder).toHaveLength(23);
    expect(inFolder[0]?.lastCommit?.id).toMatch(/^[0-9a-f]{40}$/);
    const history = [];
    for await (const c of listCommits({ repo: 'alice/many', batchSize: 1, ...credentials(alice) })) history.push(c.title);
    expect(history).toHaveLength(2);
    expect(history[1]).toBe('initial commit');
  });

  it('gives each folder an id that follows exactly what is below it, the same in listings and paths-info', async () => {
    await createRepo({ repo: 'alice/folders', ...credentials(alice) });
    const put = (files: Record<string, string>) =>
      uploadFiles({ repo: 'alice/folders', files: Object.entries(files).map(([path, text]) => ({ path, content: new Blob([text]) })), ...credentials(alice) });
    const folderIds = async () => {
      const ids: Record<string, string> = {};
      for await (const e of listFiles({ repo: 'alice/folders', recursive: true, ...credentials(alice) })) if (e.type === 'directory' && e.oid) ids[e.path] = e.oid;
      const info = await pathsInfo({ repo: 'alice/folders', paths: Object.keys(ids), ...credentials(alice) });
      expect(Object.fromEntries(info.map((e) => [e.path, e.oid]))).toEqual(ids);
      return ids;
    };
    await put({ 'a/x.txt': 'x', 'a/b/y.txt': 'y', 'c/z.txt': 'z' });
    const first = await folderIds();
    expect(Object.keys(first).sort()).toEqual(['a', 'a/b', 'c']);
    await put({ 'a/b/y.txt': 'y2' });
    const second = await folderIds();
    expect(second['a']).not.toBe(first['a']);
    expect(second['a/b']).not.toBe(first['a/b']);
    expect(second['c']).toBe(first['c']);
    // Derived from content: putting the file back gives the folders their first ids again.
    await put({ 'a/b/y.txt': 'y' });
    expect(await folderIds()).toEqual(first);
  });

  it('hides private repos: 401 for anonymous callers, 404 for other users, visible to org members', async () => {
    await createRepo({ repo: 'acme/secret', private: true, ...credentials(alice) });
    await uploadFiles({ repo: 'acme/secret', files: [{ path: 'plan.txt', content: new Blob(['secret']) }], ...credentials(alice) });
    expect(await repoExists({ repo: 'acme/secret', hubUrl: hub.url })).toBe(false);
    expect(await repoExists({ repo: 'acme/secret', ...credentials(bob) })).toBe(false);
    expect(await repoExists({ repo: 'acme/secret', ...credentials(reader) })).toBe(true);
    await expectHubError(downloadFile({ repo: 'acme/secret', path: 'plan.txt', hubUrl: hub.url }), 401);
    await expectHubError(downloadFile({ repo: 'acme/secret', path: 'plan.txt', ...credentials(bob) }), 404);
    const visible = await downloadFile({ repo: 'acme/secret', path: 'plan.txt', ...credentials(reader) });
    expect(await visible?.text()).toBe('secret');
    // carol can read the org's private repo but her read token cannot write to it.
    await expectHubError(uploadFiles({ repo: 'acme/secret', files: [{ path: 'x', content: new Blob(['x']) }], ...credentials(reader) }), 403);
    // bob cannot even learn that it exists.
    await expectHubError(uploadFiles({ repo: 'acme/secret', files: [{ path: 'x', content: new Blob(['x']) }], ...credentials(bob) }), 404);
    const missing = await fetch(`${hub.url}/api/models/acme/secret`, { headers: { Authorization: `Bearer ${bob.token}` } });
    expect(missing.headers.get('X-Error-Code')).toBe('RepoNotFound');
  });

  it('deletes a repo, after which it is gone and a second delete is a 404', async () => {
    await createRepo({ repo: 'alice/short-lived', ...credentials(alice) });
    await expectHubError(deleteRepo({ repo: 'alice/short-lived', ...credentials(bob) }), 403);
    await deleteRepo({ repo: 'alice/short-lived', ...credentials(alice) });
    expect(await repoExists({ repo: 'alice/short-lived', ...credentials(alice) })).toBe(false);
    await expectHubError(deleteRepo({ repo: 'alice/short-lived', ...credentials(alice) }), 404);
    const again = await createRepo({ repo: 'alice/short-lived', ...credentials(alice) });
    expect(again.repoUrl).toBe(`${hub.url}/alice/short-lived`);
  });

  it('keeps repos, files and history across a restart', async () => {
    const before = await modelInfo({ name: 'alice/model', additionalFields: ['sha'], ...credentials(alice) });
    const text = async (path: string) => (await downloadFile({ repo: 'alice/model', path, ...credentials(alice) }))?.text();
    const regular = { config: await text('config.json'), nested: await text('eval/scores.txt') };
    await hub.close();
    hub = await startLocalHub(options);
    const after = await modelInfo({ name: 'alice/model', additionalFields: ['sha'], ...credentials(alice) });
    expect(after.sha).toBe(before.sha);
    // Regular files are git blobs in the packs, found again from their indexes.
    expect({ config: await text('config.json'), nested: await text('eval/scores.txt') }).toEqual(regular);
    expect(regular.config).toContain('hidden_size');
    const big = await downloadFile({ repo: 'alice/model', path: 'model.safetensors', ...credentials(alice) });
    expect(sha256(new Uint8Array(await big!.arrayBuffer()))).toBe(bigFileSha);
    expect(await fileExists({ repo: 'alice/model', path: 'proposal.md', revision: 'refs/pr/1', ...credentials(alice) })).toBe(true);
    await expectHubError(createRepo({ repo: 'alice/model', ...credentials(alice) }), 409);
    await uploadFiles({ repo: 'alice/model', files: [{ path: 'after-restart.txt', content: new Blob(['ok']) }], ...credentials(alice) });
    expect(await fileExists({ repo: 'alice/model', path: 'after-restart.txt', ...credentials(alice) })).toBe(true);
  });
});

describe('what the client cannot send (hand-made requests)', () => {
  const auth = { Authorization: `Bearer ${alice.token}` };

  async function batch(oid: string, size: number) {
    const response = await fetch(`${hub.url}/alice/model.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/vnd.git-lfs+json', Accept: 'application/vnd.git-lfs+json' },
      body: JSON.stringify({ operation: 'upload', transfers: ['basic', 'multipart'], hash_algo: 'sha_256', objects: [{ oid, size }] }),
    });
    expect(response.status).toBe(200);
    const json = (await response.json()) as { objects: { actions?: { upload: { href: string; header?: Record<string, string> } } }[] };
    return json.objects[0]!;
  }

  // 12 MB stays under the multipart threshold but is large enough to be hashed in the worker thread.
  it.each([1000, 12_000_000])('rejects a basic upload of %i bytes whose body does not hash to its oid, and stores nothing', async (size) => {
    const claimed = randomBytes(size);
    const oid = sha256(claimed);
    const object = await batch(oid, claimed.length);
    const href = object.actions!.upload.href;
    expect(href.startsWith(`${hub.url}/`)).toBe(true);
    expect(object.actions!.upload.header).toBeUndefined();
    const wrong = await fetch(href, { method: 'PUT', body: randomBytes(size) });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toContain('SHA-256');
    expect((await batch(oid, claimed.length)).actions).toBeDefined();
    const forged = await fetch(href.replace(/sig=[0-9a-f]+/, 'sig=0000'), { method: 'PUT', body: claimed });
    expect(forged.status).toBe(403);
    const right = await fetch(href, { method: 'PUT', body: claimed });
    expect(right.status).toBe(200);
    expect((await batch(oid, claimed.length)).actions).toBeUndefined();
  });

  it('rejects a multipart upload whose parts do not hash to its oid', async () => {
    const size = 21_000_000;
    const oid = sha256(new Uint8Array(size));
    const object = await batch(oid, size);
    const header = object.actions!.upload.header!;
    const chunkSize = Number(header.chunk_size);
    const partKeys = Object.keys(header).filter((k) => /^\d+$/.test(k));
    expect(partKeys).toHaveLength(Math.ceil(size / chunkSize));
    const parts = [];
    for (const [index, key] of partKeys.entries()) {
      const length = Math.min(chunkSize, size - index * chunkSize);
      const body = Buffer.alloc(length, index === 0 ? 1 : 0);
      const response = await fetch(header[key]!, { method: 'PUT', body });
      expect(response.status).toBe(200);
      parts.push({ partNumber: index + 1, etag: response.headers.get('ETag') });
    }
    const completion = await fetch(object.actions!.upload.href, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.git-lfs+json' },
      body: JSON.stringify({ oid, parts }),
    });
    expect(completion.status).toBe(400);
    expect((await batch(oid, size)).actions).toBeDefined();
  });

  it('rejects a regular file over 10 MiB in a commit with 400', async () => {
    const body = [
      JSON.stringify({ key: 'header', value: { summary: 'too big' } }),
      JSON.stringify({ key: 'file', value: { path: 'big.txt', content: Buffer.alloc(10 * 1024 * 1024 + 1, 97).toString('base64'), encoding: 'base64' } }),
    ].join('\n');
    const response = await fetch(`${hub.url}/api/models/alice/model/commit/main`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/x-ndjson' },
      body,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('larger than 10 MiB');
  });

  it('deletes a folder with deletedFolder', async () => {
    await uploadFiles({ repo: 'alice/model', files: [{ path: 'logs/a.txt', content: new Blob(['a']) }, { path: 'logs/b.txt', content: new Blob(['b']) }], ...credentials(alice) });
    const response = await fetch(`${hub.url}/api/models/alice/model/commit/main`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/x-ndjson' },
      body: `${JSON.stringify({ key: 'header', value: { summary: 'drop logs', description: '' } })}\n${JSON.stringify({ key: 'deletedFolder', value: { path: 'logs/' } })}\n`,
    });
    expect(response.status).toBe(200);
    expect(await fileExists({ repo: 'alice/model', path: 'logs/a.txt', ...credentials(alice) })).toBe(false);
  });

  it('answers preupload with uploadMode, shouldIgnore and the current oid', async () => {
    const response = await fetch(`${hub.url}/api/models/alice/model/preupload/main`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        files: [
          { path: 'config.json', size: 10, sample: Buffer.from('{}').toString('base64') },
          { path: 'w.bin', size: 10, sample: '' },
          { path: 'empty.bin', size: 0, sample: '' },
          { path: 'binary.dat', size: 4, sample: Buffer.from([0, 1, 2, 3]).toString('base64') },
          { path: 'model.safetensors', size: bigFileSize, sample: '' },
          { path: 'cache/x.txt', size: 1, sample: '' },
        ],
        gitIgnore: 'cache/\n',
      }),
    });
    const json = (await response.json()) as { files: { path: string; uploadMode: string; shouldIgnore: boolean; oid?: string }[]; commitOid: string };
    expect(json.commitOid).toMatch(/^[0-9a-f]{40}$/);
    expect(json.files.map((f) => [f.path, f.uploadMode, f.shouldIgnore])).toEqual([
      ['config.json', 'regular', false],
      ['w.bin', 'lfs', false],
      ['empty.bin', 'regular', false],
      ['binary.dat', 'lfs', false],
      ['model.safetensors', 'lfs', false],
      ['cache/x.txt', 'regular', true],
    ]);
    expect(json.files[0]?.oid).toMatch(/^[0-9a-f]{40}$/);
    expect(json.files[4]?.oid).toBe(bigFileSha);
  });

  it('serves Range, HEAD and the Hub headers on resolve', async () => {
    const first = await fetch(`${hub.url}/alice/model/resolve/main/model.safetensors`, { headers: { ...auth, Range: 'bytes=0-0' } });
    expect(first.status).toBe(206);
    expect(first.headers.get('Content-Range')).toBe(`bytes 0-0/${bigFileSize}`);
    expect(first.headers.get('X-Linked-ETag')).toBe(`"${bigFileSha}"`);
    expect(first.headers.get('X-Linked-Size')).toBe(String(bigFileSize));
    expect(first.headers.get('X-Repo-Commit')).toMatch(/^[0-9a-f]{40}$/);
    expect(first.headers.get('ETag')).toMatch(/^"[0-9a-f]{40}"$/);
    expect((await first.arrayBuffer()).byteLength).toBe(1);
    const tail = await fetch(`${hub.url}/alice/model/resolve/main/model.safetensors`, { headers: { ...auth, Range: `bytes=${bigFileSize - 10}-` } });
    expect(tail.status).toBe(206);
    const original = await readFile(bigFile);
    expect(Buffer.from(await tail.arrayBuffer()).equals(original.subarray(bigFileSize - 10))).toBe(true);
    const head = await fetch(`${hub.url}/alice/model/resolve/main/config.json`, { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.headers.get('Content-Length')).toBe(String(JSON.stringify({ hidden_size: 64, layers: 2 }).length));
    const missing = await fetch(`${hub.url}/alice/model/resolve/main/nope.txt`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('X-Error-Code')).toBe('EntryNotFound');
    expect(missing.headers.get('X-Request-Id')).toBeTruthy();
  });

  it('answers form-encoded paths-info as the Python client sends it', async () => {
    const response = await fetch(`${hub.url}/api/models/alice/model/paths-info/main`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'paths=config.json&paths=model.safetensors&paths=absent.txt&expand=false',
    });
    const entries = (await response.json()) as { path: string; type: string; size: number; lfs?: { oid: string; pointerSize: number } }[];
    expect(entries.map((e) => [e.path, e.type, e.size])).toEqual([
      ['config.json', 'file', JSON.stringify({ hidden_size: 64, layers: 2 }).length],
      ['model.safetensors', 'file', bigFileSize],
    ]);
    expect(entries[1]?.lfs?.oid).toBe(bigFileSha);
    expect(entries[1]?.lfs?.pointerSize).toBeGreaterThan(100);
  });

  it('validates README front matter with a real YAML parser', async () => {
    const validate = (content: string) =>
      fetch(`${hub.url}/api/validate-yaml`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ content, repoType: 'model' }),
      });
    const good = await validate('---\nlicense: mit\ntags:\n  - text\n---\n# Model\n');
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ errors: [], warnings: [] });
    const broken = await validate('---\nlicense: [mit\n---\n');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
    const wrongShape = await validate('---\nlicense:\n  name: mit\n---\n');
    expect(wrongShape.status).toBe(400);
    const unclosed = await validate('---\nlicense: mit\n');
    expect(unclosed.status).toBe(400);
  });

  it('validate-yaml names the key the Hub refuses, and the commit endpoint refuses such a README', async () => {
    const validate = async (content: string) => {
      const response = await fetch(`${hub.url}/api/validate-yaml`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ content, repoType: 'model' }),
      });
      return { status: response.status, body: (await response.json()) as { errors: { message: string }[]; warnings: { message: string }[] } };
    };
    const bad = await validate(
      '---\nlicense: apache\nlanguage: [English]\nbase_model: /home/me/base\nmodel-index:\n- name: m\n  results:\n  - task: {type: text-generation}\n    dataset: {type: openai/gsm8k}\n    metrics: [{type: accuracy}]\n---\n',
    );
    expect(bad.status).toBe(400);
    const messages = bad.body.errors.map((e) => e.message);
    expect(messages[0]).toMatch(/^"license" must be one of \[apache-2\.0, mit, /);
    expect(messages.slice(1)).toEqual([
      '"language[0]" with value "English" is not a valid language code (ISO 639-1, 639-2 or 639-3)',
      '"base_model" with value "/home/me/base" is not a valid model id: use a Hub model id (owner/name)',
      '"model-index[0].results[0].dataset.name" is required',
      '"model-index[0].results[0].metrics[0].value" is required',
    ]);
    const none = await validate('# No metadata\n');
    expect(none).toEqual({ status: 200, body: { errors: [], warnings: [{ message: 'Empty or missing yaml metadata in repo card' }] } });

    await createRepo({ repo: 'alice/strict-card', ...credentials(alice) });
    const commits = count('commit', 200);
    const refused = await expectHubError(
      uploadFiles({ repo: 'alice/strict-card', files: [{ path: 'README.md', content: new Blob(['---\nlicense: apache\n---\n# M\n']) }], ...credentials(alice) }),
      400,
    );
    expect(refused.message).toMatch(/Invalid metadata in README\.md\.\n- "license" must be one of/);
    expect(count('commit', 200)).toBe(commits);
    // The same file elsewhere, or a valid card, goes through.
    await uploadFiles({ repo: 'alice/strict-card', files: [{ path: 'docs/README.md', content: new Blob(['---\nlicense: apache\n---\n']) }], ...credentials(alice) });
    await uploadFiles({ repo: 'alice/strict-card', files: [{ path: 'README.md', content: new Blob(['---\nlicense: apache-2.0\n---\n# M\n']) }], ...credentials(alice) });
  });

  it('answers CORS preflights and exposes the headers a renderer needs', async () => {
    const preflight = await fetch(`${hub.url}/api/models/alice/model/preupload/main`, {
      method: 'OPTIONS',
      headers: { Origin: 'app://hub-publisher', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(preflight.headers.get('Access-Control-Allow-Headers')).toContain('authorization');
    expect(preflight.headers.get('Access-Control-Allow-Methods')).toContain('PUT');
    const plain = await fetch(`${hub.url}/api/whoami-v2`, { headers: { ...auth, Origin: 'app://hub-publisher' } });
    for (const name of ['X-Repo-Commit', 'X-Request-Id', 'ETag', 'Link', 'Content-Range', 'X-Linked-ETag']) {
      expect(plain.headers.get('Access-Control-Expose-Headers')).toContain(name);
    }
  });
});

describe('git blobs on disk', () => {
  it('moves blobs an older server kept one file each (blobs/ab/<sha1>) into a pack, and serves them', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'local-hub-loose-'));
    try {
      const first = await startLocalHub({ dataDir, users: [alice] });
      await createRepo({ repo: 'alice/old', hubUrl: first.url, accessToken: alice.token });
      await uploadFiles({
        repo: 'alice/old',
        files: [{ path: 'notes.txt', content: new Blob(['kept as a file of its own']) }],
        hubUrl: first.url,
        accessToken: alice.token,
      });
      await first.close();
      // The layout before packs: every blob in blobs/<first two hex digits>/<oid>, no packs.
      const packs = join(dataDir, 'blobs', 'packs');
      const blobs = new Map<string, Buffer>();
      for (const name of (await readdir(packs)).filter((n) => n.endsWith('.idx'))) {
        const pack = await readFile(join(packs, name.replace(/\.idx$/, '.pack')));
        for (const line of (await readFile(join(packs, name), 'utf8')).trim().split('\n')) {
          const [oid, offset, length] = line.split(' ');
          blobs.set(oid!, pack.subarray(Number(offset), Number(offset) + Number(length)));
        }
      }
      await rm(packs, { recursive: true });
      for (const [oid, bytes] of blobs) {
        await mkdir(join(dataDir, 'blobs', oid.slice(0, 2)), { recursive: true });
        await writeFile(join(dataDir, 'blobs', oid.slice(0, 2), oid), bytes);
      }
      const second = await startLocalHub({ dataDir, users: [alice] });
      try {
        const file = await downloadFile({ repo: 'alice/old', path: 'notes.txt', hubUrl: second.url, accessToken: alice.token });
        expect(await file?.text()).toBe('kept as a file of its own');
        expect((await readdir(join(dataDir, 'blobs'))).sort()).toEqual(['packs']);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
