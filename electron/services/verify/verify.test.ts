import { createRepo, pathsInfo, uploadFiles } from '@huggingface/hub';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHub, type LocalHub } from '../../../e2e/local-hub';
import type { PlannedFile, PublishPlan } from '../../../shared/publish';
import { parseRepoName } from '../../../shared/repo-name';
import { assertVerified, verifyPublish } from './index';

const TOKEN = 'hf_' + 'DaveWriteTokenForTheVerifyTestsDDDD';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const gitOid = (b: Uint8Array) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

let hub: LocalHub;
let dir: string;
const readme = Buffer.from('# Card\n\nHello.\n');
const config = Buffer.from('{"a": 1}\n');
const weights = Buffer.alloc(300_000, 7);

function planned(p: string, bytes: Buffer, lfs: boolean): PlannedFile {
  return {
    path: p,
    origin: 'checkpoint',
    bytes: bytes.length,
    lfs,
    sha256: sha256(bytes),
    gitOid: lfs ? null : gitOid(bytes),
  };
}

function plan(files: PlannedFile[], deletions: string[] = []): PublishPlan {
  return {
    checkpoint: 'step_1',
    evalAccuracy: 0.5,
    files,
    excluded: [],
    deletions,
    remoteOnly: [],
    target: null,
    totalBytes: 0,
    lfsBytes: 0,
    commits: [],
    commitTitle: 'x',
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'verify-'));
  hub = await startLocalHub({
    dataDir: path.join(dir, 'hub'),
    users: [{ name: 'dave', token: TOKEN, role: 'write' }],
  });
  await createRepo({
    repo: { type: 'model', name: 'dave/v' },
    accessToken: TOKEN,
    hubUrl: hub.url,
    visibility: 'private',
  });
  await uploadFiles({
    repo: { type: 'model', name: 'dave/v' },
    accessToken: TOKEN,
    hubUrl: hub.url,
    files: [
      { path: 'README.md', content: new Blob([readme]) },
      { path: 'config.json', content: new Blob([config]) },
      { path: 'model.safetensors', content: new Blob([weights]) },
      { path: 'extra.txt', content: new Blob(['left over']) },
    ],
  });
});

afterAll(async () => {
  await hub?.close();
  await rm(dir, { recursive: true, force: true });
});

const repo = parseRepoName('dave/v');

describe('verifyPublish', () => {
  it('passes when every file matches by LFS SHA-256 or git blob id and the README is byte-equal; keeps a receipt', async () => {
    const report = await verifyPublish({
      plan: plan([
        planned('README.md', readme, false),
        planned('config.json', config, false),
        planned('model.safetensors', weights, true),
      ]),
      repo,
      endpoint: hub.url,
      token: TOKEN,
      readme,
      dataDir: path.join(dir, 'data'),
      commit: 'abc',
      commits: ['abc'],
      account: 'dave',
      // The left-over file, shown in the plan as "on the Hub, not in this upload", kept by the user.
      keep: ['extra.txt'],
      workspace: '/runs/dave',
    });
    expect(report.verified).toBe(true);
    expect(report.unaccounted).toEqual([]);
    expect(report.kept).toEqual(['extra.txt']);
    expect(report.url).toBe(`${hub.url}/dave/v`);
    expect(report.files.find((f) => f.path === 'model.safetensors')?.lfs).toBe(true);
    expect(report.files.find((f) => f.path === 'config.json')?.lfs).toBe(false);
    const receipt = JSON.parse(await readFile(report.receiptPath!, 'utf8'));
    expect(path.dirname(report.receiptPath!)).toBe(path.join(dir, 'data', 'receipts'));
    expect(receipt).toMatchObject({
      version: 1,
      repoId: 'dave/v',
      verified: true,
      commit: 'abc',
      checkpoint: 'step_1',
      evalAccuracy: 0.5,
      workspace: '/runs/dave',
    });
    expect(() => assertVerified(report)).not.toThrow();
  });

  it('does not call a repository verified while it holds files this publish does not account for', async () => {
    const report = await verifyPublish({
      plan: plan([
        planned('README.md', readme, false),
        planned('config.json', config, false),
        planned('model.safetensors', weights, true),
      ]),
      repo,
      endpoint: hub.url,
      token: TOKEN,
      readme,
      dataDir: null,
      commit: 'abc',
      commits: ['abc'],
      account: 'dave',
    });
    expect(report.checks.every((c) => c.ok)).toBe(true);
    expect(report.unaccounted).toEqual([{ path: 'extra.txt', bytes: 9 }]);
    expect(report.verified).toBe(false);
  });

  it('names every difference: missing, wrong size, other content, README not byte-equal, not deleted', async () => {
    const otherWeights = Buffer.alloc(300_000, 8);
    const report = await verifyPublish({
      plan: plan(
        [
          planned('README.md', readme, false),
          planned('config.json', Buffer.from('{"a": 2}\n'), false),
          planned('model.safetensors', otherWeights, true),
          planned('missing.json', Buffer.from('{}'), false),
          { ...planned('extra.txt', Buffer.from('left over'), false), bytes: 3 },
        ],
        ['extra.txt'],
      ),
      repo,
      endpoint: hub.url,
      token: TOKEN,
      readme: Buffer.from('# Card\n\nHello!\n'),
      dataDir: null,
      commit: null,
      commits: [],
      account: null,
    });
    expect(report.verified).toBe(false);
    expect(report.receiptPath).toBeNull();
    const problems = Object.fromEntries(report.checks.filter((c) => !c.ok).map((c) => [c.path, c.problem]));
    expect(problems['config.json']).toMatch(/git blob/);
    expect(problems['model.safetensors']).toMatch(/SHA-256/);
    expect(problems['missing.json']).toMatch(/missing/);
    expect(problems['extra.txt']).toMatch(/size|deleted/);
    expect(problems['README.md']).toMatch(/differs/);
    expect(report.readmeByteEqual).toBe(false);
    expect(() => assertVerified(report)).toThrow(expect.objectContaining({ code: 'VERIFICATION_FAILED' }));
  });

  it('a file sent through Xet must have the Xet hash we registered', async () => {
    const [info] = await pathsInfo({
      repo: { type: 'model', name: 'dave/v' },
      paths: ['model.safetensors'],
      hubUrl: hub.url,
      accessToken: TOKEN,
    });
    expect(info?.xetHash).toMatch(/^[0-9a-f]{64}$/);
    const check = async (xetHash: string) =>
      verifyPublish({
        plan: plan([{ ...planned('model.safetensors', weights, true), xetHash }]),
        // Only the weights are in question here; the repository's other files are kept on purpose.
        keep: ['README.md', 'config.json', 'extra.txt'],
        repo,
        endpoint: hub.url,
        token: TOKEN,
        readme: null,
        dataDir: null,
        commit: null,
        commits: [],
        account: null,
      });
    expect((await check(info!.xetHash!)).verified).toBe(true);
    const wrong = await check('0'.repeat(64));
    expect(wrong.verified).toBe(false);
    expect(wrong.checks[0]!.problem).toMatch(
      /^Xet hash [0-9a-f]{12}… on the Hub differs from 000000000000… here$/,
    );
  });

  it('a token that cannot see the private repo is an error, not a silent pass', async () => {
    await expect(
      verifyPublish({
        plan: plan([planned('config.json', config, false)]),
        repo,
        endpoint: hub.url,
        token: 'hf_' + 'Z'.repeat(34),
        readme: null,
        dataDir: null,
        commit: null,
        commits: [],
        account: null,
      }),
    ).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });
});
