/**
 * Publishing speed and memory, against the local Hub in its own process.
 *
 *   npx tsx bench/publish-2g.ts [--sizes 512M,2G] [--rounds 2] [--keep] [--xet]
 *
 * The Hub runs without Xet (`--no-xet`), so these are classic LFS figures; `--xet` lets it offer Xet, which
 * the bare client and the CLI then use (bench/publish-xet.ts compares the two paths).
 * For each size, a generated checkpoint whose weights are two safetensors shards of that total size
 * (random bytes, so nothing is sparse), then, each in its own child process so its peak RSS (VmHWM) is its
 * own, and each upload to a fresh Hub so no object is already there:
 *
 *   - hashing: a bare `node:crypto` stream (createReadStream → createHash) next to our Hasher;
 *   - bare client: `uploadFiles` of `@huggingface/hub` with file URLs (what a script would do);
 *   - CLI: `hub-publisher publish --yes --json`, the whole thing (scan, evaluate, hash, upload, verify);
 *   - after click: plan + upload + verify with the hashes already in the cache (the app hashes when a
 *     checkpoint is selected), i.e. what the user waits for after clicking Publish.
 *
 * Files are in the page cache for every run (they were just written): this measures CPU and protocol
 * work, not the disk.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  best,
  childArgs as harnessChildArgs,
  MiB,
  makeWorkspace,
  parseSize,
  runChild,
  setup,
  startHub,
  TOKEN,
  work,
  type ChildResult,
  type Measured,
} from './harness';

const self = fileURLToPath(import.meta.url);
const childArgs = (mode: string, args: unknown) => harnessChildArgs(self, mode, args);

// ---------------------------------------------------------------------------------------------------------
// Children: one measurement each.

async function childMain(mode: string, args: Record<string, unknown>): Promise<void> {
  let out: { ms: number; extra?: Record<string, unknown> };
  switch (mode) {
    case 'hash-bare': {
      const files = args.files as string[];
      const t = performance.now();
      for (const f of files) {
        const h = createHash('sha256');
        for await (const chunk of createReadStream(f)) h.update(chunk as Buffer);
        h.digest('hex');
      }
      out = { ms: performance.now() - t };
      break;
    }
    case 'hash-ours': {
      const { Hasher } = await import('../electron/services/hash');
      const hasher = new Hasher({ dataDir: null });
      const t = performance.now();
      await hasher.hashAll(args.files as string[]);
      out = { ms: performance.now() - t };
      await hasher.close();
      break;
    }
    case 'upload-bare': {
      const { createRepo, uploadFiles } = await import('@huggingface/hub');
      const { hubUrl, repo, files } = args as {
        hubUrl: string;
        repo: string;
        files: { path: string; abs: string }[];
      };
      const t = performance.now();
      await createRepo({ repo: { type: 'model', name: repo }, accessToken: TOKEN, hubUrl });
      await uploadFiles({
        repo: { type: 'model', name: repo },
        accessToken: TOKEN,
        hubUrl,
        files: files.map((f) => ({ path: f.path, content: pathToFileURL(f.abs) })),
        useXet: false,
      });
      out = { ms: performance.now() - t };
      break;
    }
    case 'after-click': {
      const { Hasher } = await import('../electron/services/hash');
      const { scanWorkspace } = await import('../electron/services/evaluate');
      const { planPublish } = await import('../electron/services/publish/plan');
      const { publish } = await import('../electron/services/publish/upload');
      const { verifyPublish } = await import('../electron/services/verify');
      const { describeAccount } = await import('../electron/services/token');
      const { hubUrl, repo, root, dataDir, readme } = args as Record<string, string>;
      // Before the click: the workspace is scanned, the checkpoint selected and hashed ahead.
      const scan = await scanWorkspace(root!);
      const checkpoint = scan.checkpoints[0]!;
      const hasher = new Hasher({ dataDir });
      await hasher.hashAhead(checkpoint.files.map((f) => path.join(checkpoint.path, f.path)));
      const account = await describeAccount(TOKEN, hubUrl!, { source: 'explicit' });
      const t = performance.now();
      const local = await planPublish({
        checkpoint,
        workspaceRoot: root!,
        readmeText: readme!,
        readmeAssets: [],
        evalAccuracy: 0.5,
        hasher,
        token: TOKEN,
      });
      const res = await publish({ local, repo: repo!, endpoint: hubUrl!, token: TOKEN, account });
      const report = await verifyPublish({
        plan: res.plan,
        repo: res.repo,
        endpoint: hubUrl!,
        token: TOKEN,
        readme: Buffer.from(readme!),
        dataDir: null,
        commit: res.outcome.commit,
        commits: [],
        account: null,
      });
      out = { ms: performance.now() - t, extra: { verified: report.verified } };
      await hasher.close();
      break;
    }
    default:
      throw new Error(`unknown child mode ${mode}`);
  }
  process.stdout.write(`\nBENCH-RESULT ${JSON.stringify(out)}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// Parent: fixtures, the Hub, the runs and the table.

const mbps = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

interface Row {
  size: number;
  bareHash: Measured;
  ourHash: Measured;
  bareUpload: Measured;
  cli: Measured;
  afterClick: Measured;
  bytes: number;
}

async function measure(size: number, rounds: number): Promise<Row> {
  process.stderr.write(`\n== ${size / MiB} MiB of weights, ${rounds} round(s) ==\n`);
  const ws = await makeWorkspace(size);
  const bytes = (await Promise.all(ws.shards.map((s) => stat(s)))).reduce((n, s) => n + s.size, 0);
  const ckptFiles = (await readdir(ws.ckpt)).map((f) => ({ path: f, abs: path.join(ws.ckpt, f) }));
  await writeFile(path.join(work, 'token'), TOKEN);

  const samples: Record<'bareHash' | 'ourHash' | 'bareUpload' | 'cli' | 'afterClick', ChildResult[]> = {
    bareHash: [],
    ourHash: [],
    bareUpload: [],
    cli: [],
    afterClick: [],
  };
  // Interleaved, so a burst of load elsewhere hits both sides of a comparison alike.
  for (let round = 0; round < rounds; round++) {
    process.stderr.write(`round ${round + 1}: hashing…\n`);
    samples.bareHash.push(await runChild(childArgs('hash-bare', { files: ws.shards })));
    samples.ourHash.push(await runChild(childArgs('hash-ours', { files: ws.shards })));
  }
  for (let round = 0; round < rounds; round++) {
    let hub = await startHub(hubArgs);
    process.stderr.write(`round ${round + 1}: bare client uploadFiles…\n`);
    samples.bareUpload.push(
      await runChild(childArgs('upload-bare', { hubUrl: hub.url, repo: 'bench/bare', files: ckptFiles })),
    );
    await hub.stop();

    hub = await startHub(hubArgs);
    // A fresh data folder: the CLI run hashes cold, like a first publish.
    const dataDir = path.join(work, `data-${size}-${round}`);
    await mkdir(dataDir, { recursive: true });
    process.stderr.write(`round ${round + 1}: CLI publish (scan, evaluate, hash, upload, verify)…\n`);
    const cli = await runChild(
      [
        'bin/hub-publisher.js',
        'publish',
        ws.root,
        '--repo',
        'bench/cli',
        '--endpoint',
        hub.url,
        '--token-file',
        path.join(work, 'token'),
        '--no-keychain',
        '--checkpoint',
        'step_1',
        '--yes',
        '--json',
      ],
      { HUB_PUBLISHER_DATA_DIR: dataDir },
    );
    if (!(JSON.parse(cli.stdout) as { verified: boolean }).verified)
      throw new Error('The CLI publish did not verify.');
    samples.cli.push(cli);
    await hub.stop();

    hub = await startHub(hubArgs);
    process.stderr.write(`round ${round + 1}: after click (hashes ready)…\n`);
    const click = await runChild(
      childArgs('after-click', {
        hubUrl: hub.url,
        repo: 'bench/click',
        root: ws.root,
        dataDir,
        readme: ws.readme,
      }),
    );
    if (!click.extra?.verified) throw new Error('The after-click publish did not verify.');
    samples.afterClick.push(click);
    await hub.stop();
  }
  await rm(ws.root, { recursive: true, force: true });
  return {
    size,
    bytes,
    bareHash: best(samples.bareHash),
    ourHash: best(samples.ourHash),
    bareUpload: best(samples.bareUpload),
    cli: best(samples.cli),
    afterClick: best(samples.afterClick),
  };
}

/** Classic LFS unless `--xet`: the local Hub offers Xet by default. */
const hubArgs = process.argv.includes('--xet') ? [] : ['--no-xet'];

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sizesArg = argv[argv.indexOf('--sizes') + 1];
  const sizes = (argv.includes('--sizes') && sizesArg ? sizesArg : '512M,2G').split(',').map(parseSize);
  const roundsArg = Number(argv[argv.indexOf('--rounds') + 1]);
  const rounds = argv.includes('--rounds') && roundsArg >= 1 ? Math.floor(roundsArg) : 2;
  await setup();
  const rows: Row[] = [];
  try {
    for (const size of sizes) rows.push(await measure(size, rounds));
  } finally {
    if (!argv.includes('--keep')) await rm(work, { recursive: true, force: true });
  }

  const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const all = (m: Measured) => `[${m.samples.map((x) => (x / 1000).toFixed(1)).join(', ')}]`;
  const lines: string[] = [];
  lines.push(
    `\npublish benchmark (${os.cpus().length} cores, node ${process.version}, local Hub in its own process)\n`,
  );
  for (const r of rows) {
    lines.push(`-- weights ${r.size / MiB} MiB (${r.bytes} bytes in 2 shards) --`);
    lines.push(
      `hashing    node:crypto stream ${mbps(r.bytes, r.bareHash.ms).toFixed(0)} MB/s | Hasher ${mbps(r.bytes, r.ourHash.ms).toFixed(0)} MB/s` +
        ` = ${((r.bareHash.ms / r.ourHash.ms) * 100).toFixed(0)}% of node:crypto (target >= 90%)  ${all(r.bareHash)} ${all(r.ourHash)}`,
    );
    lines.push(
      `bare client uploadFiles   ${s(r.bareUpload.ms)}  ${mbps(r.bytes, r.bareUpload.ms).toFixed(0)} MB/s  peak RSS ${mb(r.bareUpload.hwmKb)}  ${all(r.bareUpload)}`,
    );
    lines.push(
      `CLI publish (whole)       ${s(r.cli.ms)}  ${mbps(r.bytes, r.cli.ms).toFixed(0)} MB/s  peak RSS ${mb(r.cli.hwmKb)}` +
        `  = ${(r.cli.ms / r.bareUpload.ms).toFixed(2)}x bare (target <= 1.3x)  ${all(r.cli)}` +
        `; process vs process (both with node startup and imports): ${(r.cli.wallMs / r.bareUpload.wallMs).toFixed(2)}x`,
    );
    lines.push(
      `after click, hashes ready ${s(r.afterClick.ms)}  ${mbps(r.bytes, r.afterClick.ms).toFixed(0)} MB/s  peak RSS ${mb(r.afterClick.hwmKb)}` +
        `  = ${(r.afterClick.ms / r.bareUpload.ms).toFixed(2)}x bare (target <= 0.6x)  ${all(r.afterClick)}`,
    );
    lines.push('');
  }
  if (rows.length > 1) {
    const peaks = rows.map((r) => `${r.size / MiB} MiB: ${mb(Math.max(r.cli.hwmKb, r.afterClick.hwmKb))}`);
    lines.push(`peak RSS of the publishing process by size (target <= 300 MB, flat): ${peaks.join(', ')}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

if (process.argv[2] === '--child') {
  await childMain(process.argv[3]!, JSON.parse(process.argv[4]!) as Record<string, unknown>);
} else {
  await main();
}
