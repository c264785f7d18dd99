/**
 * `hub-publisher publish` through Xet, on local Hubs in their own processes:
 *
 *   npx tsx bench/publish-xet.ts [--size 1G] [--rounds 1] [--rss 256M,2G]
 *
 *   - first publish of a `--size` checkpoint (two safetensors shards of random bytes, cold: no hash cache)
 *     through Xet, against the same publish through classic LFS to a Hub without Xet (`--no-xet`);
 *     target: Xet <= 1.2x LFS;
 *   - a re-publish of it with 1% of its bytes changed in place (16 places over the two shards): the xorb bytes
 *     the Hub stored for it (new chunks sent), target <= 5% of the checkpoint;
 *   - peak RSS (VmHWM) of the CLI and of the server for cold Xet publishes of each `--rss` size: flat.
 *
 * Rounds alternate LFS and Xet so a burst of load elsewhere hits both alike; the best round counts.
 */
import { randomFillSync } from 'node:crypto';
import { open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildCli } from '../scripts/build-cli.mjs';
import {
  best,
  cliPublish,
  makeWorkspace,
  MiB,
  parseSize,
  setup,
  startHub,
  TOKEN,
  work,
  type ChildResult,
} from './harness';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i !== -1 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** Bytes of the xorbs the Hub keeps (as serialized: chunk headers included). */
async function storedXorbBytes(hubDir: string): Promise<number> {
  let total = 0;
  const root = path.join(hubDir, 'xet', 'xorbs');
  for (const fan of await readdir(root)) {
    for (const name of await readdir(path.join(root, fan)))
      if (!name.endsWith('.json')) total += (await stat(path.join(root, fan, name))).size;
  }
  return total;
}

/** Overwrites `share` of the tensor bytes of each file with random bytes, in `places` spread-out regions. */
async function changeInPlace(files: string[], share: number, places: number): Promise<number> {
  let changed = 0;
  for (const file of files) {
    const fh = await open(file, 'r+');
    try {
      const size = (await fh.stat()).size;
      const region = Buffer.alloc(Math.floor((size * share) / places));
      for (let i = 0; i < places; i++) {
        randomFillSync(region);
        await fh.write(region, 0, region.length, Math.floor(((i + 0.5) * size) / places));
        changed += region.length;
      }
    } finally {
      await fh.close();
    }
  }
  return changed;
}

async function main(): Promise<void> {
  const size = parseSize(arg('--size', '1G'));
  const rounds = Math.max(1, Number(arg('--rounds', '1')));
  const rssSizes = arg('--rss', '256M,2G').split(',').filter(Boolean).map(parseSize);
  await buildCli();
  await setup('bench-xet-');
  const load = [`load ${os.loadavg()[0]!.toFixed(1)}`];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
  try {
    await writeFile(path.join(work, 'token'), TOKEN);
    const ws = await makeWorkspace(size);
    const lfs: ChildResult[] = [];
    const xet: ChildResult[] = [];
    let republish: { ms: number; stored: number; changed: number } | undefined;
    for (let round = 0; round < rounds; round++) {
      process.stderr.write(`round ${round + 1}: ${size / MiB} MiB through LFS, then Xet…\n`);
      const lfsHub = await startHub(['--no-xet']);
      try {
        const r = await cliPublish(lfsHub.url, ws.root, path.join(work, `data-lfs-${round}`));
        lfs.push({ ...r, extra: { ...r.extra, serverCpuMs: await lfsHub.cpuMs() } });
      } finally {
        await lfsHub.stop();
      }
      const xetHub = await startHub();
      try {
        const dataDir = path.join(work, `data-xet-${round}`);
        const r = await cliPublish(xetHub.url, ws.root, dataDir);
        xet.push({ ...r, extra: { ...r.extra, serverCpuMs: await xetHub.cpuMs() } });
        if (round === rounds - 1) {
          process.stderr.write('1% changed in place, published again…\n');
          const before = await storedXorbBytes(xetHub.dir);
          const changed = await changeInPlace(ws.shards, 0.01, 8);
          const r = await cliPublish(xetHub.url, ws.root, dataDir);
          republish = { ms: r.wallMs, stored: (await storedXorbBytes(xetHub.dir)) - before, changed };
        }
      } finally {
        await xetHub.stop();
      }
    }
    await rm(ws.root, { recursive: true, force: true });

    const rss: { size: number; app: number; server: number; ms: number }[] = [];
    for (const bytes of rssSizes) {
      process.stderr.write(`peak RSS at ${bytes / MiB} MiB…\n`);
      const w = await makeWorkspace(bytes);
      const hub = await startHub();
      try {
        const r = await cliPublish(hub.url, w.root, path.join(work, `data-rss-${bytes}`));
        rss.push({ size: bytes, app: r.hwmKb, server: await hub.hwmKb(), ms: r.wallMs });
      } finally {
        await hub.stop();
        await rm(w.root, { recursive: true, force: true });
      }
    }
    load.push(`load ${os.loadavg()[0]!.toFixed(1)}`);

    const bl = best(lfs);
    const bx = best(xet);
    const ratio = bx.ms / bl.ms;
    const sentShare = republish ? republish.stored / size : NaN;
    const all = (m: { samples: number[] }) => `[${m.samples.map((x) => (x / 1000).toFixed(1)).join(', ')}]`;
    // CPU says where the time goes on a shared machine better than wall time does.
    const cpu = (m: ChildResult) =>
      `CPU: CLI ${s(m.cpuMs ?? NaN)}, server ${s(Number(m.extra?.serverCpuMs ?? NaN))}`;
    const lines = [
      `\npublish through Xet (${os.cpus().length} cores, node ${process.version}; ${load.join(' -> ')}; best of ${rounds})`,
      `| work | figure | target |`,
      `|---|---|---|`,
      `| first publish of ${size / MiB} MiB, classic LFS (Hub --no-xet) | ${s(bl.ms)} ${all(bl)}, ${mb(bl.hwmKb)}; ${cpu(bl)} | |`,
      `| first publish of ${size / MiB} MiB, Xet | ${s(bx.ms)} ${all(bx)}, ${mb(bx.hwmKb)}; ${cpu(bx)} | ${ratio.toFixed(2)}x LFS (<= 1.2x${ratio <= 1.2 ? ', met' : ', NOT met'}) |`,
      republish
        ? `| re-publish with 1% changed in place (${(republish.changed / MiB).toFixed(1)} MiB) | ${s(republish.ms)}; ` +
          `${(republish.stored / MiB).toFixed(1)} MiB of new xorbs = ${(sentShare * 100).toFixed(2)}% of the checkpoint | ` +
          `<= 5%${sentShare <= 0.05 ? ', met' : ', NOT met'} |`
        : '',
      `peak RSS of cold Xet publishes, app / server (flat): ${rss
        .map((r) => `${r.size / MiB} MiB: ${mb(r.app)} / ${mb(r.server)} in ${s(r.ms)}`)
        .join(', ')}`,
    ];
    process.stdout.write(lines.filter(Boolean).join('\n') + '\n');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
