/**
 * The `hub-publisher` command installed for use anywhere, the two ways the README gives: `npm install -g`
 * from the checkout (what `npm link` does too: a link to it) and a packed tarball (`npm pack`, then
 * `npm install -g` of the .tgz). Each installed command is run from a training folder, with only the install's
 * bin folder and Node on PATH: no project, no node_modules, nothing `npx` could look up on the registry.
 */
import { execFile } from 'node:child_process';
import { lstat, mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, tempDir } from '../fixtures/workspace';
import { startLocalHub, type LocalHub } from '../local-hub';

const repoRoot = path.resolve(__dirname, '../..');
const TOKEN = 'hf_' + 'ErinWriteTokenForTheInstallTestsEEE';
const windows = process.platform === 'win32';

let work: string;
let training: string;
let hub: LocalHub;

beforeAll(async () => {
  work = await tempDir('cli-install-');
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [{ name: 'erin', token: TOKEN, role: 'write' }],
  });
  // A training run as a user has it: checkpoints and a README, and no package.json anywhere above.
  training = path.join(work, 'my-run');
  await buildWorkspace(training, {
    layout: 'trainer',
    steps: [10, 20],
    weightsBytes: 256 * 1024,
    readme: '# My run\n',
  });
  await writeFile(path.join(work, 'token'), `${TOKEN}\n`);
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

/** The environment without what `npm test`/`npm run` add (npm_config_prefix and friends would redirect npm). */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function run(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `npm install -g --prefix PREFIX SPEC`, run outside the project so its .npmrc does not apply. */
async function installGlobally(prefix: string, spec: string) {
  // No install scripts: the command is the prebuilt bundle, and keytar's (optional) prebuilt download needs
  // GitHub, which these machines cannot reach.
  const r = await run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      spec,
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
    ],
    { cwd: work, env: cleanEnv() },
  );
  expect(r.code, r.stderr).toBe(0);
  return path.join(prefix, 'bin', 'hub-publisher');
}

/** The installed command, from the training folder, finding nothing but its own install and Node. */
function fromTrainingFolder(bin: string, args: string[]) {
  const onlyInstallAndNode = [path.dirname(bin), path.dirname(process.execPath)].join(path.delimiter);
  return run(bin, args, {
    cwd: training,
    env: cleanEnv({
      PATH: onlyInstallAndNode,
      HOME: work,
      HUB_PUBLISHER_DATA_DIR: path.join(work, 'data'),
      NO_COLOR: '1',
    }),
  });
}

async function expectWorksAnywhere(bin: string) {
  const version = await fromTrainingFolder(bin, ['--version']);
  expect(version.code, version.stderr).toBe(0);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

  const scan = await fromTrainingFolder(bin, ['scan', '.']);
  expect(scan.code, scan.stderr).toBe(0);
  expect(scan.stdout).toMatch(/^checkpoint-10 +10 +ok /m);
  expect(scan.stdout).toMatch(/^checkpoint-20 +20 +ok /m);

  // The whole publish path (the Hub client, the card, the plan) runs from the install alone.
  const dry = await fromTrainingFolder(bin, [
    'publish',
    '.',
    '--repo',
    'my-run',
    '--endpoint',
    hub.url,
    '--token-file',
    path.join(work, 'token'),
    '--no-keychain',
    '--no-benchmarks',
    '--checkpoint',
    'checkpoint-20',
    '--dry-run',
  ]);
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stdout).toMatch(/^Plan for erin\/my-run: checkpoint checkpoint-20/m);
  expect(dry.stdout).toContain('--- README.md as it would be published');
  expect(dry.stdout + dry.stderr).not.toContain(TOKEN);
}

if (windows) {
  console.log(
    'Skipping the install tests: npm installs Windows commands as .cmd shims run through cmd.exe; the Linux and macOS runs cover these installs.',
  );
}

describe.skipIf(windows)('hub-publisher installed for use anywhere', () => {
  it('is documented near the top of the README, with the commands these tests run', async () => {
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const top = readme.slice(0, readme.indexOf('\n## '));
    expect(top).toContain('npm ci && npm install -g .     # or `npm link`');
    expect(top).toContain('npm ci && npm run build:cli && npm pack');
    expect(top).toContain('npm install -g ./hub-publisher-*.tgz');
    expect(top).toMatch(/`npx hub-publisher` works only inside the checkout/);
  });

  it(
    'npm install -g from the checkout (as npm link does) links the checkout’s command',
    { timeout: 240_000 },
    async () => {
      const prefix = path.join(work, 'linked');
      const bin = await installGlobally(prefix, repoRoot);
      const installed = path.join(prefix, 'lib', 'node_modules', 'hub-publisher');
      expect((await lstat(installed)).isSymbolicLink()).toBe(true);
      expect(await realpath(installed)).toBe(await realpath(repoRoot));
      await expectWorksAnywhere(bin);
    },
  );

  it('a packed tarball installs a command that runs without the checkout', { timeout: 300_000 }, async () => {
    const packs = path.join(work, 'packs');
    await mkdir(packs);
    // vitest's globalSetup built dist-electron/cli from these sources: what `npm run build:cli` does first.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packs], {
      cwd: repoRoot,
      env: cleanEnv(),
    });
    expect(packed.code, packed.stderr).toBe(0);
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    const prefix = path.join(work, 'from-tarball');
    const bin = await installGlobally(prefix, path.join(packs, filename));
    const installed = path.join(prefix, 'lib', 'node_modules', 'hub-publisher');
    // A real copy: the command does not reach back into the checkout.
    expect((await lstat(installed)).isSymbolicLink()).toBe(false);
    expect(await realpath(bin)).toBe(path.join(await realpath(installed), 'bin', 'hub-publisher.js'));
    await expectWorksAnywhere(bin);
  });
});
