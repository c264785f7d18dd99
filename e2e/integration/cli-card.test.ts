/**
 * `hub-publisher publish` as a user reviews and edits what it publishes: the dry run shows the card, `--card
 * FILE` publishes the edited one, sizes and counts read the same way everywhere, and answering "y" at the
 * prompt runs nothing twice. Real child processes against the local Hub; the prompt on a real pseudo-terminal.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, RUN_LOG_ENV, tempDir } from '../fixtures/workspace';
import { startLocalHub, type LocalHub } from '../local-hub';

const WRITE = 'hf_' + 'DaveWriteTokenForTheCardCliTestsDDD';
const BIN = path.resolve(__dirname, '../../bin/hub-publisher.js');

let hub: LocalHub;
let work: string;
let ws: string;

beforeAll(async () => {
  work = await tempDir('cli-card-');
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [{ name: 'dave', token: WRITE, role: 'write' }],
  });
  ws = path.join(work, 'ws');
  await buildWorkspace(ws, {
    layout: 'trainer',
    steps: [100, 200, 300],
    sharded: true,
    weightsBytes: 3 * 1024 * 1024,
    benchmarks: {
      arc: {
        kind: 'score',
        scores: { 'checkpoint-100': 0.41, 'checkpoint-200': 0.625, 'checkpoint-300': 0.5 },
      },
    },
    readme: '---\nlicense: apache-2.0\n---\n# Run\n\n| Benchmark | Score |\n|---|---|\n| arc | - |\n',
  });
  await writeFile(path.join(work, 'token'), `${WRITE}\n`);
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: work,
  HUB_PUBLISHER_DATA_DIR: path.join(work, 'data'),
  NO_COLOR: '1',
  ...extra,
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: work, env: env(), maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const publish = (repo: string, ...extra: string[]) => [
  'publish',
  ws,
  '--repo',
  repo,
  '--endpoint',
  hub.url,
  '--token-file',
  path.join(work, 'token'),
  '--no-keychain',
  ...extra,
];

const readOnHub = async (repo: string, file: string) => {
  const res = await fetch(`${hub.url}/dave/${repo}/resolve/main/${file}`);
  return res.ok ? await res.text() : null;
};

describe('publish --dry-run shows what would be published', () => {
  it('prints the card under a header after the plan, with sizes in the Hub’s units and real plurals', async () => {
    const r = await cli(publish('card-model', '--dry-run'));
    expect(r.code, r.stderr).toBe(0);
    const [plan, card] = r.stdout.split(/^--- README\.md as it would be published \(\d+ lines\) ---\n/m);
    expect(card, r.stdout).toBeDefined();
    expect(plan).toMatch(/^Plan for dave\/card-model: checkpoint checkpoint-200/);
    // The card itself: the workspace's README with the benchmark table filled in.
    expect(card).toMatch(/^---\nlicense: apache-2\.0\n---\n# Run\n/);
    expect(card).toContain('| arc | 0.625 |');
    expect(card).toMatch(/^--- end of README\.md \(to change it: --save-card FILE.*--card FILE\) ---\n$/m);
    // 3 MiB of weights in two shards: decimal units as the Hub lists them, never KiB/MiB.
    expect(plan).toMatch(/model-00001-of-00002\.safetensors +1\.57 MB +LFS/);
    expect(plan).toMatch(/^8 files, 3\.15 MB \(3\.15 MB through LFS\); 8 to send in 1 commit\.$/m);
    expect(r.stdout).not.toMatch(/KiB|MiB|\(s\)/);
  });

  it('--save-card writes that card to a new file to edit, and never overwrites one', async () => {
    const file = path.join(work, 'edited-README.md');
    const json = await cli(publish('card-model', '--dry-run', '--json'));
    expect(json.code, json.stderr).toBe(0);
    const { readme } = JSON.parse(json.stdout) as { readme: string };

    const r = await cli(publish('card-model', '--dry-run', '--save-card', file));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `Model card written to ${file}: edit it, then publish it with --card ${file}.`,
    );
    expect(await readFile(file, 'utf8')).toBe(readme);

    await writeFile(file, 'my edits');
    const again = await cli(publish('card-model', '--dry-run', '--save-card', file));
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`--save-card ${file} already exists; it is not overwritten.`);
    expect(await readFile(file, 'utf8')).toBe('my edits');

    const withoutDryRun = await cli(publish('card-model', '--yes', '--save-card', file));
    expect(withoutDryRun.code).toBe(1);
    expect(withoutDryRun.stderr).toContain(
      '--save-card writes the card a dry run would publish: add --dry-run',
    );
  });
});

describe('publish --card FILE', () => {
  it('publishes the card the user edited, byte for byte, and says so', async () => {
    const file = path.join(work, 'my-card.md');
    const edited =
      '---\nlicense: apache-2.0\nlanguage: en\n---\n# Run, described by hand\n\n| Benchmark | Score |\n|---|---|\n| arc | 0.625 |\n\nTrained on my data.\n';
    await writeFile(file, edited);
    const r = await cli(publish('edited-model', '--yes', '--card', file));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Model card: ${file}, as written (its benchmark table is not refilled).`);
    expect(r.stdout).toMatch(/^Published and verified: .*\/dave\/edited-model/m);
    expect(r.stdout).toMatch(/; 8 files committed, 0 unchanged;/);
    expect(await readOnHub('edited-model', 'README.md')).toBe(edited);
  });

  it('a dry run with --card shows that card, not the workspace’s', async () => {
    const file = path.join(work, 'dry-card.md');
    await writeFile(file, '\uFEFF# Only this\n');
    const r = await cli(publish('edited-model', '--dry-run', '--card', file));
    expect(r.code, r.stderr).toBe(0);
    // The byte-order mark an editor added is dropped: the card starts with its first heading.
    expect(r.stdout).toContain(
      '--- README.md as it would be published (1 line) ---\n# Only this\n--- end of README.md',
    );
  });

  it('refuses a card the Hub could not read, before anything is sent', async () => {
    const file = path.join(work, 'broken-card.md');
    await writeFile(file, '---\nlicense: [apache-2.0\n---\n# Run\n');
    const mark = hub.requestLog.length;
    const r = await cli(publish('broken-model', '--yes', '--card', file));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "The model card's metadata (the YAML between the --- lines at the top of README.md) cannot be read",
    );
    expect(r.stderr).toContain('Nothing was uploaded.');
    const sent = hub.requestLog
      .slice(mark)
      .filter((x) => ['create-repo', 'commit', 'lfs-batch', 'preupload'].includes(x.kind));
    expect(sent).toEqual([]);
    expect(await readOnHub('broken-model', 'README.md')).toBeNull();
  });

  it('says what to do about a missing, empty, oversized or non-text card, and about --model-index with it', async () => {
    const missing = path.join(work, 'nope.md');
    let r = await cli(publish('x-model', '--dry-run', '--card', missing));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`--card ${missing}: no such file. Pass the README you edited`);

    const empty = path.join(work, 'empty.md');
    await writeFile(empty, '\n\n');
    r = await cli(publish('x-model', '--dry-run', '--card', empty));
    expect(r.stderr).toContain(`--card ${empty} is empty. Write the model card into it`);

    // One byte over the limit the app and the Hub's card viewer use: refused without being read whole.
    const big = path.join(work, 'big.md');
    await writeFile(big, Buffer.alloc(8 * 1024 * 1024 + 1, 'a'));
    r = await cli(publish('x-model', '--dry-run', '--card', big));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `--card ${big.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is 8388609 bytes, more than the 8388608 allowed`,
      ),
    );

    const binary = path.join(work, 'card.bin');
    await writeFile(binary, Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x0a]));
    r = await cli(publish('x-model', '--dry-run', '--card', binary));
    expect(r.stderr).toContain(`--card ${binary} is not UTF-8 text. Save it as UTF-8`);

    r = await cli(publish('x-model', '--dry-run', '--card', empty, '--model-index'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `--card publishes ${empty} as written and --model-index would rewrite its metadata`,
    );
    expect((await stat(big)).size).toBe(8 * 1024 * 1024 + 1);
  });
});

/** util-linux `script` runs a command on a pseudo-terminal: stdin is a TTY, so the CLI really asks. */
const scriptCommand = (() => {
  if (process.platform !== 'linux') return null;
  try {
    return execFileSync('script', ['--version'], { encoding: 'utf8' }).includes('util-linux')
      ? 'script'
      : null;
  } catch {
    return null;
  }
})();
if (!scriptCommand) {
  console.log(
    'Skipping the prompt test: it needs util-linux `script` for a pseudo-terminal (Linux; CI has it).',
  );
}

function inTerminal(args: string[], extraEnv: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    // TERM=dumb: no live progress bar redrawn over the lines, so what is left is exactly what was printed.
    const child = spawn(scriptCommand!, ['-qfec', command, '/dev/null'], {
      cwd: work,
      env: env({ TERM: 'dumb', ...extraEnv }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let answered = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (!answered && output.includes('[y/N]')) {
        answered = true;
        child.stdin.write('y\n');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code: code ?? 1, output: output.replace(/\r/g, '') });
    });
  });
}

describe.skipIf(!scriptCommand)('publish, answering "y" at the prompt in a terminal', () => {
  it('checks the token once, evaluates once and prints every line once', async () => {
    const runLog = path.join(work, 'benchmark-runs.log');
    const mark = hub.requestLog.length;
    // A data folder of its own: no remembered scores, so the benchmark scripts really run (and log each run).
    const live = await inTerminal(publish('prompted-model'), {
      [RUN_LOG_ENV]: runLog,
      HUB_PUBLISHER_DATA_DIR: path.join(work, 'data-prompt'),
    });
    expect(live.code, live.output).toBe(0);
    const lines = live.output
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '');
    expect(lines).toContain('Signed in as dave (write token hf_…sDDD, from token-file)');
    expect(lines).toContain('Checkpoint checkpoint-200 (eval_accuracy 0.625)');
    expect(
      lines.some((l) => /^Publish to .*\/dave\/prompted-model\? \[y\/N\] y$/.test(l)),
      live.output,
    ).toBe(true);
    expect(lines.filter((l) => /^Committed 8 files: [0-9a-f]{10}$/.test(l))).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('Published and verified: '))).toBe(true);
    // Nothing is said twice: before #12 everything after "y" (token check, evaluation, plan) ran again.
    const repeated = lines.filter((l, i) => lines.indexOf(l) !== i);
    expect(repeated, live.output).toEqual([]);
    // One token check per run; each benchmark script ran once per checkpoint.
    const whoami = hub.requestLog.slice(mark).filter((x) => x.kind === 'whoami');
    expect(whoami).toHaveLength(1);
    const runs = (await readFile(runLog, 'utf8')).trim().split('\n').sort();
    expect(runs).toEqual(['arc\tcheckpoint-100', 'arc\tcheckpoint-200', 'arc\tcheckpoint-300']);
  });
});
