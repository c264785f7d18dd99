import { createHash, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import picomatch from 'picomatch';
import { FaultInjector } from './faults';
import type { FaultDecision } from './faults';
import { defaultGitAttributes, folderTreeOids, gitBlobOid, lfsPathMatcher, lfsPointerText } from './git-objects';
import type { RequestContext } from './http-helpers';
import {
  ConnectionResetByFault,
  HubError,
  bodyLines,
  drainBody,
  exposedHeaders,
  queryFlag,
  readBody,
  readJson,
  resetConnection,
  sendError,
  sendJson,
  delayUnlessClosed,
  writeHead,
} from './http-helpers';
import { LfsTransfers } from './lfs';
import type { LfsObjectRequest } from './lfs';
import { HubStore, isValidName } from './store';
import type { CommitRecord, FileEntry, RepoRecord, RepoType } from './store';
import type { FaultPlan, LocalHub, LocalHubOptions, LocalHubUser, RequestKind, RequestLogEntry } from './types';
import { validateReadmeMetadata } from './validate-yaml';
import { XetCas, casPathPrefix } from './xet/cas';

const regularFileLimit = 10 * 1024 * 1024;
const tooLargeRegularFileMessage =
  'Your push was rejected because it contains files larger than 10 MiB. Please use https://git-lfs.github.com/ to store large files.';
const invalidCredentialsMessage = 'Invalid credentials in Authorization header';
const repoTypes: Record<string, RepoType> = { models: 'model', datasets: 'dataset', spaces: 'space' };
const fixedTokenCreatedAt = '2024-01-01T00:00:00.000Z';
const xetExposedHeaders = 'X-Xet-Hash, X-Xet-Refresh-Route, X-Xet-Cas-Url, X-Xet-Access-Token, X-Xet-Token-Expiration, X-Xet-Session-Id';

interface Route {
  kind: RequestKind;
  /** Upload endpoints authorise through their signed URL and never look at a token. */
  signedUrl?: boolean;
  handle: (ctx: RequestContext) => Promise<void>;
}

interface RepoAddress {
  type: RepoType;
  namespace: string;
  name: string;
}

function hexId(seed: string): string {
  return createHash('sha1').update(seed).digest('hex').slice(0, 24);
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HubError(400, `Malformed percent-encoding in "${raw}"`);
  }
}

/**
 * A revision in a path: JS clients send `refs%2Fpr%2F1` (one segment) everywhere but in tree URLs, where
 * `refs/pr/1` arrives raw (three segments). Returns the revision and the decoded segments after it.
 */
function takeRevision(rawSegments: string[], index: number): { revision: string; rest: string[] } {
  const first = rawSegments[index];
  if (first === undefined || first === '') return { revision: '', rest: [] };
  if (first === 'refs' && rawSegments.length >= index + 3) {
    const revision = ['refs', decodeSegment(rawSegments[index + 1]!), decodeSegment(rawSegments[index + 2]!)].join('/');
    return { revision, rest: rawSegments.slice(index + 3).map(decodeSegment) };
  }
  return { revision: decodeSegment(first), rest: rawSegments.slice(index + 1).map(decodeSegment) };
}

function repoPathPrefix(type: RepoType): string {
  return type === 'model' ? '' : `${type}s/`;
}

function isValidRepoPath(path: string): boolean {
  if (!path || path.startsWith('/') || path.endsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..') && !/^\.git(\/|$)/.test(path);
}

function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, startText = '', endText = ''] = match;
  if (startText === '' && endText === '') return undefined;
  if (startText === '') {
    const suffix = Number(endText);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(startText);
  const end = endText === '' ? size - 1 : Math.min(Number(endText), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export async function startLocalHub(options: LocalHubOptions): Promise<LocalHub> {
  for (const [name, value] of Object.entries({
    treePageSize: options.treePageSize,
    multipartThreshold: options.multipartThreshold,
    multipartChunkSize: options.multipartChunkSize,
    xetTokenLifetimeSeconds: options.xetTokenLifetimeSeconds,
  })) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  const store = await HubStore.open(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const treePageSize = options.treePageSize ?? 1000;
  const lfs = new LfsTransfers(store, options.multipartThreshold ?? 20_000_000, options.multipartChunkSize ?? 16 * 1024 * 1024);
  const faults = new FaultInjector(options.faults, options.seed ?? 1);
  // Xet hooks (xet/cas.ts): absent when the hub runs as an LFS-only mirror.
  const xet =
    options.xet === false
      ? undefined
      : await XetCas.open(
          store,
          {
            readable: (ctx, address) => readableRepo(ctx, address),
            writable: (ctx, address) => writableRepo(ctx, address),
            resolveRevision: async (ctx, address, revision) => (await resolveOrThrow(await readableRepo(ctx, address), revision)).commitId,
          },
          { tokenLifetimeSeconds: options.xetTokenLifetimeSeconds },
        );
  const usersByToken = new Map<string, LocalHubUser>();
  for (const user of options.users) {
    if (!user.token.startsWith('hf_')) throw new Error(`Token of user "${user.name}" must start with "hf_" (the JS client refuses others)`);
    if (!isValidName(user.name)) throw new Error(`User name "${user.name}" is not a valid Hub namespace`);
    usersByToken.set(user.token, user);
  }
  const orgs = options.orgs ?? [];
  const requestLog: RequestLogEntry[] = [];

  // ---------- access ----------

  function isMember(user: LocalHubUser | undefined, namespace: string): boolean {
    if (!user) return false;
    return user.name === namespace || orgs.some((org) => org.name === namespace && org.members.includes(user.name));
  }

  function repoNotFound(ctx: RequestContext): HubError {
    // The Hub hides private repos: anonymous callers get 401, signed-in ones 404, both with RepoNotFound.
    return new HubError(ctx.user ? 404 : 401, 'Repository not found', { code: 'RepoNotFound' });
  }

  async function readableRepo(ctx: RequestContext, address: RepoAddress): Promise<RepoRecord> {
    const repo = await store.getRepo(address.type, address.namespace, address.name);
    if (!repo || (repo.private && !isMember(ctx.user, repo.namespace))) throw repoNotFound(ctx);
    return repo;
  }

  function checkCanWriteNamespace(ctx: RequestContext, namespace: string, what: string): LocalHubUser {
    const user = ctx.user;
    if (!user) throw new HubError(401, `You must be authenticated to ${what}`);
    if (user.role !== 'write') throw new HubError(403, `Your token is read-only: a write token is needed to ${what}`);
    if (!isMember(user, namespace)) throw new HubError(403, `You don't have the rights to ${what} under the namespace "${namespace}"`);
    return user;
  }

  async function writableRepo(ctx: RequestContext, address: RepoAddress): Promise<{ repo: RepoRecord; user: LocalHubUser }> {
    const repo = await readableRepo(ctx, address);
    const user = checkCanWriteNamespace(ctx, repo.namespace, `write to ${repo.namespace}/${repo.name}`);
    return { repo, user };
  }

  function repoUrl(ctx: RequestContext, repo: RepoAddress): string {
    return `${ctx.base}/${repoPathPrefix(repo.type)}${repo.namespace}/${repo.name}`;
  }

  async function resolveOrThrow(repo: RepoRecord, revision: string) {
    const resolved = await store.resolveRevision(repo, revision);
    if (!resolved) throw new HubError(404, `Invalid rev id: ${revision}`, { code: 'RevisionNotFound' });
    const commit = await store.getCommit(repo, resolved.commitId);
    if (!commit) throw new HubError(500, `Commit ${resolved.commitId} is missing from the data dir`);
    return { ...resolved, commit };
  }

  // ---------- tree helpers ----------

  /**
   * The sorted entries under `folder` (every depth when `recursive`), computed once per commit and folder: a
   * client pages through a listing of 10,000 files 1,000 at a time, and each page would sort it all again.
   */
  const listingsByTree = new WeakMap<Record<string, FileEntry>, Map<string, string[]>>();
  function treeListing(files: Record<string, FileEntry>, folder: string, recursive: boolean): string[] {
    let listings = listingsByTree.get(files);
    if (!listings) listingsByTree.set(files, (listings = new Map()));
    const key = `${recursive ? 'r' : 'n'}:${folder}`;
    const cached = listings.get(key);
    if (cached) return cached;
    const prefix = folder ? `${folder}/` : '';
    const found = new Set<string>();
    for (const file of Object.keys(files)) {
      if (!file.startsWith(prefix)) continue;
      const relative = file.slice(prefix.length).split('/');
      const depthLimit = recursive ? relative.length : 1;
      for (let depth = 1; depth <= depthLimit; depth++) found.add(prefix + relative.slice(0, depth).join('/'));
    }
    const paths = [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // A handful of listings per commit are ever asked for; keep the last few.
    if (listings.size >= 8) listings.delete(listings.keys().next().value!);
    listings.set(key, paths);
    return paths;
  }

  /** A commit's folders and their tree ids, computed once per commit (commits never change). */
  const foldersByTree = new WeakMap<Record<string, FileEntry>, Map<string, string>>();
  function foldersOf(files: Record<string, FileEntry>): Map<string, string> {
    let folders = foldersByTree.get(files);
    if (!folders) foldersByTree.set(files, (folders = folderTreeOids(files)));
    return folders;
  }

  function isDirectory(files: Record<string, FileEntry>, path: string): boolean {
    return foldersOf(files).has(path);
  }

  function entryJson(files: Record<string, FileEntry>, path: string): Record<string, unknown> {
    const file = files[path];
    if (!file) return { type: 'directory', oid: foldersOf(files).get(path) ?? '', size: 0, path };
    return {
      type: 'file',
      oid: file.oid,
      size: file.size,
      path,
      ...(file.lfs && { lfs: { oid: file.lfs.sha256, size: file.lfs.size, pointerSize: file.lfs.pointerSize } }),
      ...(file.lfs && xet?.xetHashOf(file.lfs.sha256) && { xetHash: xet.xetHashOf(file.lfs.sha256) }),
    };
  }

  /** The commit that last changed `path` (a file or a directory), following first parents. */
  async function lastCommitOf(repo: RepoRecord, head: CommitRecord, path: string): Promise<{ id: string; title: string; date: string }> {
    const signature = (commit: CommitRecord) =>
      commit.files[path]?.oid ?? foldersOf(commit.files).get(path) ?? '';
    const wanted = signature(head);
    let current = head;
    for (;;) {
      const parentId = current.parents[0];
      const parent = parentId ? await store.getCommit(repo, parentId) : undefined;
      if (!parent || signature(parent) !== wanted) break;
      current = parent;
    }
    return { id: current.id, title: current.title, date: current.date };
  }

  function gitignoreMatcher(text: string | undefined): (path: string) => boolean {
    if (!text) return () => false;
    const rules: { matches: (path: string) => boolean; negated: boolean }[] = [];
    for (const rawLine of text.split(/\r?\n/)) {
      const line = rawLine.trim();
      if (!line || line.startsWith('#')) continue;
      const negated = line.startsWith('!');
      let pattern = negated ? line.slice(1) : line;
      const directoryOnly = pattern.endsWith('/');
      pattern = pattern.replace(/^\//, '').replace(/\/$/, '');
      const anchored = pattern.includes('/');
      const matchOne = picomatch(pattern, { dot: true, basename: !anchored });
      const matchUnder = picomatch(anchored ? `${pattern}/**` : `**/${pattern}/**`, { dot: true });
      rules.push({ matches: (path) => (!directoryOnly && matchOne(path)) || matchUnder(path), negated });
    }
    return (path) => {
      let ignored = false;
      for (const rule of rules) if (rule.matches(path)) ignored = !rule.negated;
      return ignored;
    };
  }

  async function fileText(entry: FileEntry | undefined): Promise<string | undefined> {
    if (!entry) return undefined;
    if (!entry.lfs) return (await store.readBlob(entry.oid)).toString('utf8');
    if (entry.lfs.size === 0) return '';
    const parts: Buffer[] = [];
    for await (const part of store.readLfsObject(entry.lfs.sha256, 0, entry.lfs.size - 1)) parts.push(part);
    return Buffer.concat(parts).toString('utf8');
  }

  // ---------- handlers ----------

  function whoamiBody(user: LocalHubUser) {
    return {
      type: 'user',
      id: hexId(`user:${user.name}`),
      name: user.name,
      fullname: user.name,
      email: `${user.name}@local-hub.invalid`,
      emailVerified: true,
      canPay: false,
      isPro: false,
      periodEnd: null,
      avatarUrl: `/avatars/${hexId(user.name)}.svg`,
      billingMode: 'postpaid',
      orgs: orgs
        .filter((org) => org.members.includes(user.name))
        .map((org) => ({
          type: 'org',
          id: hexId(`org:${org.name}`),
          name: org.name,
          fullname: org.name,
          email: null,
          canPay: false,
          avatarUrl: `/avatars/${hexId(org.name)}.svg`,
          periodEnd: null,
        })),
      auth: { type: 'access_token', accessToken: { displayName: `${user.name}-local-hub`, role: user.role, createdAt: fixedTokenCreatedAt } },
    };
  }

  async function handleWhoami(ctx: RequestContext): Promise<void> {
    if (!ctx.user) throw new HubError(401, invalidCredentialsMessage);
    sendJson(ctx, 200, whoamiBody(ctx.user));
  }

  async function storeNewFile(path: string, content: Buffer, isLfsPath: (path: string) => boolean): Promise<FileEntry> {
    if (isLfsPath(path) || content.length > regularFileLimit) {
      const sha256 = createHash('sha256').update(content).digest('hex');
      if ((await store.lfsObjectSize(sha256)) !== content.length) {
        const temporary = store.temporaryPath('create');
        await writeFile(temporary, content);
        await store.adoptLfsObject(temporary, sha256);
      }
      const pointer = Buffer.from(lfsPointerText(sha256, content.length));
      return { oid: gitBlobOid(pointer), size: content.length, lfs: { sha256, size: content.length, pointerSize: pointer.length } };
    }
    return { oid: await store.writeBlob(content), size: content.length };
  }

  async function handleCreateRepo(ctx: RequestContext): Promise<void> {
    const body = await readJson(ctx);
    let name = typeof body.name === 'string' ? body.name : '';
    let namespace = typeof body.organization === 'string' && body.organization ? body.organization : undefined;
    if (name.includes('/')) [namespace, name] = name.split('/', 2) as [string, string];
    const typeName = body.type === undefined || body.type === null ? 'model' : body.type;
    if (typeName !== 'model' && typeName !== 'dataset' && typeName !== 'space') {
      throw new HubError(400, `Invalid repo type "${String(typeName)}": expected model, dataset or space`);
    }
    const type: RepoType = typeName;
    if (!ctx.user) throw new HubError(401, invalidCredentialsMessage);
    namespace ??= ctx.user.name;
    if (!isValidName(name) || !isValidName(namespace)) {
      throw new HubError(400, `Invalid repo name "${namespace}/${name}": use letters, digits, "-", "_" and "." (max 96 characters)`);
    }
    const user = checkCanWriteNamespace(ctx, namespace, `create a ${type} repo`);
    const isPrivate = body.visibility === 'private' || body.visibility === 'protected' || body.private === true;
    const address = { type, namespace, name };
    const url = repoUrl(ctx, address);
    const initialFiles: { path: string; content: Buffer }[] = [{ path: '.gitattributes', content: Buffer.from(defaultGitAttributes) }];
    if (typeof body.license === 'string' && body.license) {
      initialFiles.push({ path: 'README.md', content: Buffer.from(`---\nlicense: ${body.license}\n---\n`) });
    }
    for (const file of Array.isArray(body.files) ? (body.files as { path?: unknown; content?: unknown; encoding?: unknown }[]) : []) {
      if (typeof file.path !== 'string' || !isValidRepoPath(file.path) || typeof file.content !== 'string') {
        throw new HubError(400, 'Each file needs a valid relative "path" and a base64 "content"');
      }
      const content = Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8');
      const existing = initialFiles.findIndex((f) => f.path === file.path);
      if (existing >= 0) initialFiles.splice(existing, 1);
      initialFiles.push({ path: file.path, content });
    }
    await store.withRepoLock(address, async () => {
      const existing = await store.getRepo(type, namespace, name);
      if (existing) throw new HubError(409, `You already created this ${type} repo`, { body: { url } });
      const now = new Date().toISOString();
      const repo: RepoRecord = {
        id: hexId(`repo:${type}:${namespace}/${name}:${now}:${randomUUID()}`),
        type,
        namespace,
        name,
        private: isPrivate,
        createdAt: now,
        lastModified: now,
        defaultBranch: 'main',
        branches: {},
        pullRequests: {},
      };
      const attributes = initialFiles.find((f) => f.path === '.gitattributes')?.content.toString('utf8') ?? '';
      const isLfsPath = lfsPathMatcher(attributes);
      const files: Record<string, FileEntry> = {};
      for (const file of initialFiles) files[file.path] = await storeNewFile(file.path, file.content, isLfsPath);
      const commit = await store.writeCommit(repo, { parents: [], title: 'initial commit', description: '', author: user.name, date: now, files });
      repo.branches.main = commit.id;
      await store.saveRepo(repo);
      sendJson(ctx, 200, { url, name: `${namespace}/${name}`, id: repo.id });
    });
  }

  async function handleDeleteRepo(ctx: RequestContext): Promise<void> {
    const body = await readJson(ctx);
    let name = typeof body.name === 'string' ? body.name : '';
    let namespace = typeof body.organization === 'string' && body.organization ? body.organization : ctx.user?.name ?? '';
    if (name.includes('/')) [namespace, name] = name.split('/', 2) as [string, string];
    const type = (typeof body.type === 'string' ? body.type : 'model') as RepoType;
    if (!['model', 'dataset', 'space'].includes(type)) throw new HubError(400, `Invalid repo type "${type}"`);
    const address = { type, namespace, name };
    await store.withRepoLock(address, async () => {
      const { repo } = await writableRepo(ctx, address);
      await store.deleteRepo(repo);
    });
    sendJson(ctx, 200, {});
  }

  async function handleRepoInfo(ctx: RequestContext, address: RepoAddress, revision: string): Promise<void> {
    const repo = await readableRepo(ctx, address);
    const { commit } = await resolveOrThrow(repo, revision || 'HEAD');
    const withBlobs = queryFlag(ctx.url, 'blobs');
    const siblings = Object.entries(commit.files)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([path, entry]) => ({
        rfilename: path,
        ...(withBlobs && {
          size: entry.size,
          blobId: entry.oid,
          ...(entry.lfs && { lfs: { size: entry.lfs.size, sha256: entry.lfs.sha256, pointerSize: entry.lfs.pointerSize } }),
        }),
      }));
    sendJson(ctx, 200, {
      _id: repo.id,
      id: `${repo.namespace}/${repo.name}`,
      author: repo.namespace,
      sha: commit.id,
      private: repo.private,
      gated: false,
      disabled: false,
      downloads: 0,
      likes: 0,
      tags: [],
      ...(repo.type === 'model' && { pipeline_tag: null, library_name: null }),
      ...(repo.type === 'space' && { sdk: 'static' }),
      lastModified: repo.lastModified,
      createdAt: repo.createdAt,
      siblings,
    });
  }

  async function handleRefs(ctx: RequestContext, address: RepoAddress): Promise<void> {
    const repo = await readableRepo(ctx, address);
    const includePrs = queryFlag(ctx.url, 'include_prs');
    sendJson(ctx, 200, {
      branches: Object.entries(repo.branches).map(([name, targetCommit]) => ({ name, ref: `refs/heads/${name}`, targetCommit })),
      tags: [],
      converts: [],
      ...(includePrs && {
        pullRequests: Object.entries(repo.pullRequests).map(([number, targetCommit]) => ({
          name: `refs/pr/${number}`,
          ref: `refs/pr/${number}`,
          targetCommit,
        })),
      }),
    });
  }

  async function handlePreupload(ctx: RequestContext, address: RepoAddress, revision: string): Promise<void> {
    const { repo } = await writableRepo(ctx, address);
    const body = await readJson(ctx);
    const { commit } = await resolveOrThrow(repo, revision);
    const requested = Array.isArray(body.files) ? (body.files as { path?: unknown; size?: unknown; sample?: unknown }[]) : undefined;
    if (!requested) throw new HubError(400, 'Body must list "files"');
    const attributes = typeof body.gitAttributes === 'string' ? body.gitAttributes : await fileText(commit.files['.gitattributes']);
    const ignore = typeof body.gitIgnore === 'string' ? body.gitIgnore : await fileText(commit.files['.gitignore']);
    const isLfsPath = lfsPathMatcher(attributes ?? '');
    const isIgnored = gitignoreMatcher(ignore);
    const files = requested.map((file) => {
      if (typeof file.path !== 'string' || typeof file.size !== 'number') throw new HubError(400, 'Each file needs a "path" and a "size"');
      const sample = typeof file.sample === 'string' ? Buffer.from(file.sample, 'base64') : Buffer.alloc(0);
      const lfsMode = file.size > 0 && (isLfsPath(file.path) || file.size >= regularFileLimit || sample.includes(0));
      const existing = commit.files[file.path];
      return {
        path: file.path,
        uploadMode: lfsMode ? 'lfs' : 'regular',
        shouldIgnore: isIgnored(file.path),
        ...(existing && { oid: existing.lfs ? existing.lfs.sha256 : existing.oid }),
      };
    });
    sendJson(ctx, 200, { files, commitOid: commit.id });
  }

  async function handleLfsBatch(ctx: RequestContext, address: RepoAddress): Promise<void> {
    await writableRepo(ctx, address);
    const body = await readJson(ctx);
    if (body.operation !== 'upload') throw new HubError(400, `Only the "upload" operation is supported, got "${String(body.operation)}"`);
    const objects = Array.isArray(body.objects) ? (body.objects as LfsObjectRequest[]) : undefined;
    if (!objects) throw new HubError(400, 'Body must list "objects"');
    const transfers = Array.isArray(body.transfers) ? body.transfers : [];
    if (xet && transfers.includes('xet')) {
      const ref = (body.ref as { name?: unknown } | undefined)?.name;
      return sendJson(ctx, 200, await xet.batchAnswer(ctx, address, typeof ref === 'string' ? ref : undefined, objects), {
        'Content-Type': 'application/vnd.git-lfs+json',
      });
    }
    const described = await lfs.describeObjects(ctx.base, objects);
    sendJson(ctx, 200, { transfer: 'basic', objects: described, hash_algo: 'sha256' }, { 'Content-Type': 'application/vnd.git-lfs+json' });
  }

  async function handleCommit(ctx: RequestContext, address: RepoAddress, revision: string): Promise<void> {
    const { repo, user } = await writableRepo(ctx, address);
    const createPr = queryFlag(ctx.url, 'create_pr');
    type Operation =
      | { op: 'set'; path: string; entry: FileEntry; content: Buffer }
      | { op: 'lfs'; path: string; sha256: string; size: number | undefined }
      | { op: 'deleteFile'; path: string }
      | { op: 'deleteFolder'; path: string };
    const operations: Operation[] = [];
    let header: { summary?: unknown; description?: unknown; parentCommit?: unknown } | undefined;
    await readCommitBody();
    const sets = operations.filter((o): o is Extract<Operation, { op: 'set' }> => o.op === 'set');
    const oids = await store.writeBlobs(sets.map((o) => o.content));
    for (const [i, o] of sets.entries()) o.entry.oid = oids[i]!;
    async function readCommitBody(): Promise<void> {
      for await (const line of bodyLines(ctx, 32 * 1024 * 1024)) {
        let item: { key?: unknown; value?: Record<string, unknown> };
        try {
          item = JSON.parse(line) as typeof item;
        } catch {
          throw new HubError(400, 'Commit body must be NDJSON: a line is not valid JSON');
        }
        const value = item.value ?? {};
        const path = typeof value.path === 'string' ? value.path : '';
        if (item.key === 'header') {
          header = value;
          continue;
        }
        if (!header) throw new HubError(400, 'The first line of a commit must be its header');
        if (item.key === 'deletedFolder') {
          const folder = path.replace(/\/+$/, '');
          if (!isValidRepoPath(folder)) throw new HubError(400, `Invalid folder path "${path}"`);
          operations.push({ op: 'deleteFolder', path: folder });
          continue;
        }
        if (!isValidRepoPath(path)) throw new HubError(400, `Invalid file path "${path}"`);
        if (item.key === 'file') {
          if (typeof value.content !== 'string') throw new HubError(400, `File "${path}" has no content`);
          const content = Buffer.from(value.content, value.encoding === 'base64' ? 'base64' : 'utf8');
          if (content.length > regularFileLimit) throw new HubError(400, tooLargeRegularFileMessage);
          // The Hub validates the card's metadata on every push of README.md and refuses what it cannot read.
          if (path === 'README.md') rejectInvalidReadme(content.toString('utf8'));
          // Stored (all at once, below) once the whole body has been read and checked.
          operations.push({ op: 'set', path, entry: { oid: '', size: content.length }, content });
        } else if (item.key === 'lfsFile') {
          if (typeof value.oid !== 'string' || !/^[0-9a-f]{64}$/.test(value.oid)) throw new HubError(400, `LFS file "${path}" needs a SHA-256 oid`);
          operations.push({ op: 'lfs', path, sha256: value.oid, size: typeof value.size === 'number' ? value.size : undefined });
        } else if (item.key === 'deletedFile') {
          operations.push({ op: 'deleteFile', path });
        } else {
          throw new HubError(400, `Unknown commit operation "${String(item.key)}"`);
        }
      }
    }
    if (!header) throw new HubError(400, 'Commit body has no header line');
    const summary = typeof header.summary === 'string' && header.summary.trim() ? header.summary.trim() : undefined;
    if (!summary) throw new HubError(400, 'A commit needs a summary');
    const parentCommit = typeof header.parentCommit === 'string' && header.parentCommit ? header.parentCommit : undefined;

    await store.withRepoLock(address, async () => {
      const current = await store.getRepo(address.type, address.namespace, address.name);
      if (!current || current.id !== repo.id) throw repoNotFound(ctx);
      const target = await resolveOrThrow(current, revision);
      if (!target.ref) throw new HubError(400, `Cannot commit onto "${revision}": it is a commit, not a branch`);
      let base = target.commit;
      if (createPr && parentCommit) {
        const parent = await store.getCommit(current, parentCommit);
        if (!parent) throw new HubError(400, `parentCommit ${parentCommit} does not exist in this repo`);
        base = parent;
      } else if (!createPr && parentCommit && parentCommit !== target.commitId) {
        throw new HubError(412, 'A commit has happened since. Please refresh and try again.');
      }
      const files: Record<string, FileEntry> = { ...base.files };
      for (const operation of operations) {
        switch (operation.op) {
          case 'set':
            files[operation.path] = operation.entry;
            break;
          case 'lfs': {
            const storedSize = await store.lfsObjectSize(operation.sha256);
            if (storedSize === undefined) {
              throw new HubError(400, `LFS object ${operation.sha256} for "${operation.path}" was never uploaded: upload it through the LFS batch API first`);
            }
            if (operation.size !== undefined && operation.size !== storedSize) {
              throw new HubError(400, `LFS object ${operation.sha256} is ${storedSize} bytes, the commit says ${operation.size}`);
            }
            const pointer = Buffer.from(lfsPointerText(operation.sha256, storedSize));
            files[operation.path] = {
              oid: gitBlobOid(pointer),
              size: storedSize,
              lfs: { sha256: operation.sha256, size: storedSize, pointerSize: pointer.length },
            };
            break;
          }
          case 'deleteFile':
            if (!files[operation.path]) throw new HubError(404, `File not found: ${operation.path}`, { code: 'EntryNotFound' });
            delete files[operation.path];
            break;
          case 'deleteFolder': {
            const prefix = `${operation.path}/`;
            const doomed = Object.keys(files).filter((path) => path.startsWith(prefix));
            if (doomed.length === 0) throw new HubError(404, `Folder not found: ${operation.path}`, { code: 'EntryNotFound' });
            for (const path of doomed) delete files[path];
            break;
          }
        }
      }
      for (const path of Object.keys(files)) {
        const segments = path.split('/');
        for (let depth = 1; depth < segments.length; depth++) {
          const ancestor = segments.slice(0, depth).join('/');
          if (files[ancestor]) throw new HubError(400, `"${path}" needs "${ancestor}" to be a folder, but it is a file`);
        }
      }
      const date = new Date().toISOString();
      const description = typeof header!.description === 'string' ? header!.description : '';
      const commit = await store.writeCommit(current, { parents: [base.id], title: summary, description, author: user.name, date, files });
      let pullRequestNumber: number | undefined;
      if (createPr) {
        pullRequestNumber = Math.max(0, ...Object.keys(current.pullRequests).map(Number)) + 1;
        current.pullRequests[String(pullRequestNumber)] = commit.id;
      } else if (target.ref.kind === 'branch') {
        current.branches[target.ref.name] = commit.id;
      } else {
        current.pullRequests[String(target.ref.number)] = commit.id;
      }
      current.lastModified = date;
      await store.saveRepo(current);
      const url = repoUrl(ctx, current);
      sendJson(ctx, 200, {
        success: true,
        commitOid: commit.id,
        commitUrl: `${url}/commit/${commit.id}`,
        hookOutput: '',
        ...(pullRequestNumber !== undefined && { pullRequestUrl: `${url}/discussions/${pullRequestNumber}` }),
      });
    });
    // Xet hook: content that came through classic LFS gets its Xet form afterwards, as on the Hub.
    for (const operation of operations) if (operation.op === 'lfs') xet?.migrateLater(operation.sha256);
  }

  async function handleCommits(ctx: RequestContext, address: RepoAddress, revision: string): Promise<void> {
    const repo = await readableRepo(ctx, address);
    const { commit: head } = await resolveOrThrow(repo, revision || 'HEAD');
    const limit = Math.min(Math.max(Number(ctx.url.searchParams.get('limit')) || 50, 1), 1000);
    const page = Math.max(Number(ctx.url.searchParams.get('p')) || 0, 0);
    const history: CommitRecord[] = [];
    for (let commit: CommitRecord | undefined = head; commit; ) {
      history.push(commit);
      const parentId: string | undefined = commit.parents[0];
      commit = parentId ? await store.getCommit(repo, parentId) : undefined;
    }
    const slice = history.slice(page * limit, (page + 1) * limit);
    const headers: Record<string, string> = { 'X-Total-Count': String(history.length) };
    if ((page + 1) * limit < history.length) {
      const next = new URL(ctx.url.pathname + ctx.url.search, ctx.base);
      next.searchParams.set('p', String(page + 1));
      headers.Link = `<${next.href}>; rel="next"`;
    }
    sendJson(
      ctx,
      200,
      slice.map((commit) => ({
        id: commit.id,
        title: commit.title,
        message: commit.description ? `${commit.title}\n\n${commit.description}` : commit.title,
        authors: [{ user: commit.author, avatar: `/avatars/${hexId(commit.author)}.svg` }],
        date: commit.date,
      })),
      headers,
    );
  }

  async function handleTree(ctx: RequestContext, address: RepoAddress, revision: string, path: string): Promise<void> {
    const repo = await readableRepo(ctx, address);
    const { commit } = await resolveOrThrow(repo, revision);
    const recursive = queryFlag(ctx.url, 'recursive');
    const expand = queryFlag(ctx.url, 'expand');
    const files = commit.files;
    let paths: string[];
    if (path && files[path]) {
      paths = [path];
    } else {
      if (path && !isDirectory(files, path)) throw new HubError(404, `Entry not found: ${path}`, { code: 'EntryNotFound' });
      paths = treeListing(files, path, recursive);
    }
    const offset = Math.max(0, Number.parseInt(Buffer.from(ctx.url.searchParams.get('cursor') ?? '', 'base64url').toString('utf8') || '0', 10) || 0);
    const page = paths.slice(offset, offset + treePageSize);
    const body = await Promise.all(
      page.map(async (entryPath) => ({
        ...entryJson(files, entryPath),
        ...(expand && { lastCommit: await lastCommitOf(repo, commit, entryPath) }),
      })),
    );
    const headers: Record<string, string> = {};
    if (offset + treePageSize < paths.length) {
      const next = new URL(ctx.url.pathname + ctx.url.search, ctx.base);
      next.searchParams.set('cursor', Buffer.from(String(offset + treePageSize)).toString('base64url'));
      headers.Link = `<${next.href}>; rel="next"`;
    }
    sendJson(ctx, 200, body, headers);
  }

  async function handlePathsInfo(ctx: RequestContext, address: RepoAddress, revision: string): Promise<void> {
    const repo = await readableRepo(ctx, address);
    let paths: string[] = [];
    let expand = false;
    const contentType = ctx.req.headers['content-type'] ?? '';
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams((await readBody(ctx, 16 * 1024 * 1024)).toString('utf8'));
      paths = form.getAll('paths');
      expand = ['1', 'true'].includes((form.get('expand') ?? '').toLowerCase());
    } else {
      const body = await readJson(ctx, 16 * 1024 * 1024);
      paths = Array.isArray(body.paths) ? body.paths.filter((p): p is string => typeof p === 'string') : [];
      expand = body.expand === true || body.expand === 'true';
    }
    const { commit } = await resolveOrThrow(repo, revision);
    const found = paths.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => commit.files[p] || (p && isDirectory(commit.files, p)));
    const body = await Promise.all(
      found.map(async (p) => ({ ...entryJson(commit.files, p), ...(expand && { lastCommit: await lastCommitOf(repo, commit, p) }) })),
    );
    sendJson(ctx, 200, body);
  }

  async function handleBranch(ctx: RequestContext, address: RepoAddress, branch: string): Promise<void> {
    const { repo, user } = await writableRepo(ctx, address);
    if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes('..') || branch.startsWith('/') || branch.endsWith('/') || branch.startsWith('refs/')) {
      throw new HubError(400, `Invalid branch name "${branch}"`);
    }
    const body = ctx.req.method === 'POST' ? await readJson(ctx) : {};
    await store.withRepoLock(address, async () => {
      const current = await store.getRepo(address.type, address.namespace, address.name);
      if (!current || current.id !== repo.id) throw repoNotFound(ctx);
      if (ctx.req.method === 'DELETE') {
        if (!current.branches[branch]) throw new HubError(404, `Branch not found: ${branch}`, { code: 'RevisionNotFound' });
        if (branch === current.defaultBranch) throw new HubError(403, 'The default branch cannot be deleted');
        delete current.branches[branch];
      } else {
        if (current.branches[branch] && body.overwrite !== true) throw new HubError(409, `Reference already exists: refs/heads/${branch}`);
        let head: string;
        if (body.emptyBranch === true) {
          const empty = await store.writeCommit(current, { parents: [], title: 'Empty branch', description: '', author: user.name, date: new Date().toISOString(), files: {} });
          head = empty.id;
        } else {
          const startingPoint = typeof body.startingPoint === 'string' && body.startingPoint ? body.startingPoint : 'HEAD';
          head = (await resolveOrThrow(current, startingPoint)).commitId;
        }
        current.branches[branch] = head;
      }
      await store.saveRepo(current);
    });
    sendJson(ctx, 200, {});
  }

  function rejectInvalidReadme(readme: string): void {
    const { errors } = validateReadmeMetadata(readme);
    if (errors.length > 0) {
      throw new HubError(400, `Invalid metadata in README.md.\n${errors.map((e) => `- ${e.message}`).join('\n')}`, { body: { errors } });
    }
  }

  async function handleValidateYaml(ctx: RequestContext): Promise<void> {
    const body = await readJson(ctx);
    if (typeof body.content !== 'string') throw new HubError(400, 'Body needs the README text in "content"');
    const result = validateReadmeMetadata(body.content);
    if (result.errors.length > 0) {
      const message = `Invalid metadata in README.md.\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`;
      return sendJson(ctx, 400, { error: message, errors: result.errors, warnings: result.warnings }, { 'X-Error-Message': 'Invalid metadata in README.md' });
    }
    sendJson(ctx, 200, result);
  }

  async function handleFile(ctx: RequestContext, address: RepoAddress, mode: 'resolve' | 'raw', revision: string, path: string): Promise<void> {
    const repo = await readableRepo(ctx, address);
    const { commit } = await resolveOrThrow(repo, revision);
    const entry = commit.files[path];
    if (!entry) {
      throw new HubError(404, `Entry not found: ${path}`, { code: 'EntryNotFound', headers: { 'X-Repo-Commit': commit.id } });
    }
    const pointer = entry.lfs && mode === 'raw' ? Buffer.from(lfsPointerText(entry.lfs.sha256, entry.lfs.size)) : undefined;
    const size = pointer ? pointer.length : entry.size;
    const headers: Record<string, string | number> = {
      'X-Repo-Commit': commit.id,
      ETag: `"${entry.oid}"`,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
    };
    if (entry.lfs && mode === 'resolve') {
      headers['X-Linked-ETag'] = `"${entry.lfs.sha256}"`;
      headers['X-Linked-Size'] = entry.lfs.size;
      const xetHeaders = xet?.fileHeaders(ctx, address, commit.id, entry.lfs.sha256);
      if (xetHeaders) {
        Object.assign(headers, xetHeaders);
        if (xet!.wantsFileInfo(ctx)) return xet!.sendFileInfo(ctx, headers, { size: entry.lfs.size, sha256: entry.lfs.sha256, xetHash: xetHeaders['X-Xet-Hash']! });
      }
    }
    const rangeHeader = ctx.req.headers.range;
    const range = rangeHeader ? parseRange(rangeHeader, size) : undefined;
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range === 'unsatisfiable') {
      if (size === 0) {
        // An empty file has no byte 0; JS still needs the total size, which `*/0` gives it.
        writeHead(ctx, 200, { ...headers, 'Content-Range': 'bytes */0', 'Content-Length': 0 });
        ctx.res.end();
        return;
      }
      throw new HubError(416, `Range ${rangeHeader} is outside the ${size}-byte file`, { headers: { 'Content-Range': `bytes */${size}` } });
    } else if (range) {
      ({ start, end } = range);
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['Content-Length'] = size === 0 ? 0 : end - start + 1;
    writeHead(ctx, status, headers);
    if (ctx.req.method === 'HEAD' || size === 0) {
      ctx.res.end();
      return;
    }
    if (pointer) {
      ctx.res.end(pointer.subarray(start, end + 1));
      return;
    }
    const source = entry.lfs
      ? Readable.from(store.readLfsObject(entry.lfs.sha256, start, end))
      : store.readBlobRange(entry.oid, start, end);
    await pipeline(source, ctx.res);
  }

  // ---------- routing ----------

  function route(method: string, raw: string[]): Route | undefined {
    const [first, second, third, fourth] = raw;
    if (first === '_lfs') {
      if (second === 'put' && third && method === 'PUT') return { kind: 'lfs-put', signedUrl: true, handle: (ctx) => lfs.put(ctx, third) };
      if (second === 'part' && third && fourth && method === 'PUT') {
        return { kind: 'lfs-part', signedUrl: true, handle: (ctx) => lfs.putPart(ctx, third, Number(fourth)) };
      }
      if (second === 'complete' && third && method === 'POST') return { kind: 'lfs-complete', signedUrl: true, handle: (ctx) => lfs.complete(ctx, third) };
      return undefined;
    }
    if (first === casPathPrefix) return xet?.route(method, raw.slice(1));
    if (first === 'api') {
      if (second === 'whoami-v2' && raw.length === 2 && method === 'GET') return { kind: 'whoami', handle: handleWhoami };
      if (second === 'repos' && third === 'create' && method === 'POST') return { kind: 'create-repo', handle: handleCreateRepo };
      if (second === 'repos' && third === 'delete' && method === 'DELETE') return { kind: 'delete-repo', handle: handleDeleteRepo };
      if (second === 'validate-yaml' && method === 'POST') return { kind: 'validate-yaml', handle: handleValidateYaml };
      const type = second ? repoTypes[second] : undefined;
      if (!type || !third || !fourth) return undefined;
      const address: RepoAddress = { type, namespace: decodeSegment(third), name: decodeSegment(fourth) };
      const action = raw[4];
      if (action === undefined || action === '') {
        return method === 'GET' || method === 'HEAD' ? { kind: 'repo-info', handle: (ctx) => handleRepoInfo(ctx, address, 'HEAD') } : undefined;
      }
      const { revision, rest } = takeRevision(raw, 5);
      const path = rest.join('/');
      switch (action) {
        case 'revision':
          return method === 'GET' ? { kind: 'repo-info', handle: (ctx) => handleRepoInfo(ctx, address, revision) } : undefined;
        case 'refs':
          return method === 'GET' ? { kind: 'repo-info', handle: (ctx) => handleRefs(ctx, address) } : undefined;
        case 'preupload':
          return method === 'POST' ? { kind: 'preupload', handle: (ctx) => handlePreupload(ctx, address, revision) } : undefined;
        case 'commit':
          return method === 'POST' ? { kind: 'commit', handle: (ctx) => handleCommit(ctx, address, revision) } : undefined;
        case 'commits':
          return method === 'GET' ? { kind: 'commits', handle: (ctx) => handleCommits(ctx, address, revision) } : undefined;
        case 'tree':
          return method === 'GET' ? { kind: 'tree', handle: (ctx) => handleTree(ctx, address, revision, path) } : undefined;
        case 'paths-info':
          return method === 'POST' ? { kind: 'paths-info', handle: (ctx) => handlePathsInfo(ctx, address, revision) } : undefined;
        case 'xet-read-token':
        case 'xet-write-token':
          return xet && method === 'GET'
            ? { kind: 'xet-token', handle: (ctx) => xet.handleToken(ctx, address, revision, action === 'xet-write-token' ? 'write' : 'read') }
            : undefined;
        case 'branch': {
          const branch = raw.slice(5).map(decodeSegment).join('/');
          return method === 'POST' || method === 'DELETE' ? { kind: 'branch', handle: (ctx) => handleBranch(ctx, address, branch) } : undefined;
        }
        default:
          return undefined;
      }
    }
    // File and git routes: /{ns}/{name}/…, /datasets/{ns}/{name}/…, /spaces/{ns}/{name}/…
    const typed = first === 'datasets' || first === 'spaces';
    const type: RepoType = typed ? (first === 'datasets' ? 'dataset' : 'space') : 'model';
    const offset = typed ? 1 : 0;
    const namespaceRaw = raw[offset];
    const nameRaw = raw[offset + 1];
    if (!namespaceRaw || !nameRaw) return undefined;
    const namespace = decodeSegment(namespaceRaw);
    const action = raw[offset + 2];
    if (nameRaw.endsWith('.git') && raw.slice(offset + 2).join('/') === 'info/lfs/objects/batch' && method === 'POST') {
      const address = { type, namespace, name: decodeSegment(nameRaw.slice(0, -4)) };
      return { kind: 'lfs-batch', handle: (ctx) => handleLfsBatch(ctx, address) };
    }
    if ((action === 'resolve' || action === 'raw') && (method === 'GET' || method === 'HEAD')) {
      const address = { type, namespace, name: decodeSegment(nameRaw) };
      const { revision, rest } = takeRevision(raw, offset + 3);
      return { kind: action, handle: (ctx) => handleFile(ctx, address, action, revision, rest.join('/')) };
    }
    return undefined;
  }

  function applyCors(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', xet ? `${exposedHeaders}, ${xetExposedHeaders}` : exposedHeaders);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, PUT, DELETE, OPTIONS');
      res.setHeader(
        'Access-Control-Allow-Headers',
        req.headers['access-control-request-headers'] ?? 'authorization, content-type, range, accept, x-request-id',
      );
      res.setHeader('Access-Control-Max-Age', '86400');
      // Chromium asks before a page from another address space may reach 127.0.0.1 (Private Network Access).
      if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
    }
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    res.setHeader('X-Request-Id', requestId);
    applyCors(req, res);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://local-hub.invalid');
    const logEntry: RequestLogEntry = { method, path: url.pathname, kind: 'other', status: 0, bytesReceived: 0 };
    requestLog.push(logEntry);
    // Counted where the HTTP parser hands body bytes to the request stream, so whoever reads the body (and
    // however: piped, paused, drained) the count is what arrived. A 'data' listener would start the flow early.
    const push = req.push.bind(req);
    req.push = (chunk: unknown, encoding?: BufferEncoding) => {
      if (chunk && typeof (chunk as Buffer).length === 'number') logEntry.bytesReceived += (chunk as Buffer).length;
      return push(chunk, encoding);
    };
    const ctx: RequestContext = {
      req,
      res,
      url,
      rawSegments: url.pathname.split('/').slice(1),
      base: `http://${req.headers.host ?? address()}`,
      user: undefined,
      fault: { latencyMs: 0 },
      logEntry,
    };
    try {
      const found = method === 'OPTIONS' ? undefined : route(method, ctx.rawSegments);
      logEntry.kind = method === 'OPTIONS' ? 'preflight' : (found?.kind ?? 'other');
      // HTTP/1.1: a request with neither Content-Length nor Transfer-Encoding has no body (a HEAD, most GETs).
      const declared = req.headers['content-length'];
      const bodyBytes =
        declared !== undefined ? Number(declared) : req.headers['transfer-encoding'] === undefined ? 0 : undefined;
      const decision: FaultDecision = faults.decide(logEntry.kind, bodyBytes);
      ctx.fault = decision;
      if (decision.latencyMs > 0) {
        await delayUnlessClosed(ctx, decision.latencyMs);
        if (!req.socket || req.socket.destroyed) return;
      }
      if (decision.failure?.fault === 'reset' && decision.failure.afterBytes === 0) resetConnection(ctx);
      if (decision.failure?.fault === 'status') {
        await drainBody(ctx);
        throw new HubError(decision.failure.status, decision.failure.message ?? `Injected fault: HTTP ${decision.failure.status}`);
      }
      if (decision.failure?.fault === 'rate-limit') {
        await drainBody(ctx);
        const seconds = decision.failure.retryAfterSeconds;
        throw new HubError(429, `You have exceeded the rate limit for this endpoint. Retry after ${seconds} seconds.`, {
          headers: { 'Retry-After': String(seconds), RateLimit: `"api";r=0;t=${seconds}`, 'RateLimit-Policy': '"fixed window";"api";q=500;w=300' },
        });
      }
      if (method === 'OPTIONS') {
        writeHead(ctx, 204, { 'Content-Length': 0 });
        res.end();
        return;
      }
      if (!found) throw new HubError(404, `No route for ${method} ${url.pathname}`);
      if (!found.signedUrl) {
        const authorization = req.headers.authorization;
        if (authorization) {
          const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
          const user = token ? usersByToken.get(token) : undefined;
          if (!user) throw new HubError(401, invalidCredentialsMessage);
          ctx.user = user;
        }
      }
      await found.handle(ctx);
    } catch (error) {
      if (error instanceof ConnectionResetByFault) return;
      if (res.headersSent || !req.socket || req.socket.destroyed) {
        res.destroy();
        return;
      }
      if (error instanceof HubError) {
        sendError(ctx, error);
      } else {
        const message = error instanceof Error ? error.message : String(error);
        sendError(ctx, new HubError(500, `Internal error: ${message}`));
      }
    }
  }

  const server = createServer((req, res) => {
    void handleRequest(req, res);
  });
  // Large uploads can take longer than Node's default 5-minute request timeout on slow disks.
  server.requestTimeout = 0;
  const address = () => {
    const info = server.address() as AddressInfo | null;
    return info ? `${host}:${info.port}` : host;
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    requestLog,
    setFaults(plan: FaultPlan | undefined) {
      faults.setPlan(plan);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await lfs.discardAll();
      await xet?.close();
    },
  };
}
