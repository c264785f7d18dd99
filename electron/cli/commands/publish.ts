import { type Command } from 'commander';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { formatScore } from '../../../shared/format';
import type { OtherWorkspacePublish, PublishPlan, PublishSummary } from '../../../shared/publish';
import { redactSecrets, redactValue } from '../../../shared/redact';
import { AppError } from '../../../shared/result';
import { defaultDataDir } from '../../services/app-data';
import { resolveHubEndpoint } from '../../services/endpoint';
import type { PublishWorkspaceResult } from '../../services/publish/workspace';
import { checkRepoNameSyntax } from '../../../shared/repo-name';
// The services load when a command runs, not at start-up: `--help` must not pay for the Hub client,
// YAML, Markdown and schema libraries (most of the CLI's start-up time).
const publishing = () => import('../../services/publish/workspace');
const tokens = () => import('../../services/token');
import { TOKEN_SOURCE_LABELS } from '../../../shared/publish';
import {
  abortOnInterrupt,
  colorEnabled,
  colors,
  createProgressBar,
  isInteractive,
  printable,
  renderTable,
} from '../terminal';

interface PublishCliOptions {
  repo: string;
  checkpoint?: string;
  endpoint?: string;
  tokenFile?: string;
  private?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  include?: string[];
  exclude?: string[];
  deleteRemote?: boolean;
  keepRemote?: boolean;
  benchmarks: boolean;
  keychain: boolean;
  modelIndex?: boolean;
  evalResults?: boolean;
  overwriteResults?: boolean;
  confirmPublic?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function formatPlan(plan: PublishPlan, repoId: string): string {
  const rows = plan.files.map((f) => [
    f.path,
    bytes(f.bytes),
    f.lfs ? 'LFS' : '',
    f.unchanged ? 'already on the Hub' : 'upload',
  ]);
  let out = `Plan for ${repoId}: checkpoint ${plan.checkpoint}, eval_accuracy ${
    plan.evalAccuracy === null ? 'not evaluated' : formatScore(plan.evalAccuracy)
  }\n\n`;
  out += renderTable(['file', 'size', 'storage', 'action'], rows, ['left', 'right']);
  const sending = plan.files.filter((f) => !f.unchanged);
  out += `\n${plan.files.length} files, ${bytes(plan.totalBytes)} (${bytes(plan.lfsBytes)} through LFS); ${sending.length} to send in ${plan.commits.length} commit(s).\n`;
  if (plan.excluded.length) {
    out += `Left out: ${plan.excluded.map((e) => `${e.path} (${e.reason})`).join(', ')}\n`;
  }
  const kept = plan.remoteOnly.filter((f) => f.action === 'keep');
  if (kept.length) {
    out += `On the Hub, not in this upload (kept; --delete-remote deletes them): ${kept.map((f) => f.path).join(', ')}\n`;
  }
  if (plan.deletions.length) out += `Will delete from the Hub: ${plan.deletions.join(', ')}\n`;
  const other = plan.target?.lastPublishedFrom;
  if (other)
    out += `Last published from another workspace: ${other.workspace} (checkpoint ${other.checkpoint}, ${other.at})\n`;
  out += `Commit message: ${plan.commitTitle}\n`;
  return out;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function registerPublish(program: Command): void {
  program
    .command('publish')
    .description(
      'Scan, evaluate, choose the best checkpoint, prepare its card, upload it to the Hub and verify it.',
    )
    .argument('<folder>', 'the workspace folder')
    .requiredOption('--repo <name>', 'NAME or namespace/NAME on the Hub')
    .option('--checkpoint <name>', 'publish this checkpoint instead of the best one')
    .option('--endpoint <url>', 'the Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co)')
    .option('--token-file <file>', 'read the token from this file')
    .option('--private', 'create the repository as private')
    .option('--dry-run', 'print the plan and stop')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print the result as JSON on stdout')
    .option('--include <glob>', 'only upload checkpoint files matching this glob (repeatable)', collect)
    .option('--exclude <glob>', 'never upload checkpoint files matching this glob (repeatable)', collect)
    .option('--delete-remote', 'delete files on the Hub that are not part of this publish')
    .option(
      '--keep-remote',
      'keep files on the Hub that are not part of this publish, and still call it verified',
    )
    .option('--no-benchmarks', 'do not run benchmarks; use remembered and imported scores only')
    .option('--no-keychain', 'do not read the token from the system keychain')
    .option(
      '--model-index',
      "also write the scores into the card's model-index metadata (merged with what is there; changes the README's YAML)",
    )
    .option(
      '--eval-results',
      'also write .eval_results/<benchmark>.yaml for benchmarks that map to a Hub Benchmark dataset',
    )
    .option(
      '--overwrite-results',
      'let --model-index/--eval-results replace existing values that differ (otherwise the publish is refused)',
    )
    .option('--confirm-public', 'with --private: publish even if the repository already exists and is public')
    .action(async (folder: string, opts: PublishCliOptions) => {
      const { publishWorkspace } = await publishing();
      const syntax = checkRepoNameSyntax(opts.repo);
      if (syntax) throw new AppError('REPO_NAME_INVALID', syntax);
      const interactive = isInteractive(process.stderr) && !opts.json;
      if (!opts.yes && !opts.dryRun && !process.stdin.isTTY) {
        throw new AppError(
          'INVALID_ARGUMENT',
          'Not a terminal: pass --yes to publish without a confirmation.',
        );
      }
      const c = colors(colorEnabled(process.stdout));
      const controller = new AbortController();
      const release = abortOnInterrupt(controller);
      const bar = createProgressBar({ label: 'publish' });
      const dataDir = defaultDataDir();
      const logLine = (line: string) => {
        if (opts.json) return;
        bar.done();
        process.stderr.write(`${printable(redactSecrets(line, [process.env.HF_TOKEN]))}\n`);
      };

      let result: PublishWorkspaceResult;
      let declined = false;
      try {
        const common = {
          root: path.resolve(folder),
          repo: opts.repo,
          checkpoint: opts.checkpoint,
          endpoint: opts.endpoint,
          tokenFile: opts.tokenFile,
          private: opts.private,
          include: opts.include,
          exclude: opts.exclude,
          deleteRemote: opts.deleteRemote,
          keepRemote: opts.keepRemote,
          runBenchmarks: opts.benchmarks,
          modelIndex: opts.modelIndex,
          evalResults: opts.evalResults,
          overwriteResults: opts.overwriteResults,
          keychain: opts.keychain ? undefined : null,
          dataDir,
          signal: controller.signal,
          onProgress: (p: Parameters<typeof bar.update>[0]) => {
            if (interactive) bar.update(p);
          },
          onLog: logLine,
          confirmPublic: async (repoId: string) =>
            opts.confirmPublic === true ||
            (!opts.yes &&
              !opts.json &&
              process.stdin.isTTY === true &&
              (await confirm(
                `${repoId} already exists and is PUBLIC; --private does not change that. Publish publicly? [y/N] `,
              ))),
          confirmOtherWorkspace: async (repoId: string, other: OtherWorkspacePublish) =>
            opts.yes === true ||
            (!opts.json &&
              process.stdin.isTTY === true &&
              (await confirm(
                `${repoId} was last published from another workspace, ${other.workspace} (checkpoint ${other.checkpoint}). Publish this one there? [y/N] `,
              ))),
          // Shows the plan and asks, in the same run: one scan, one evaluation.
          confirmPlan: opts.yes
            ? undefined
            : async (plan: PublishPlan, summary: PublishSummary) => {
                bar.done();
                process.stderr.write(printable(redactSecrets(formatPlan(plan, summary.repoId))));
                declined = !(await confirm(`Publish to ${summary.url}? [y/N] `));
                return !declined;
              },
        };
        try {
          result = await publishWorkspace({ ...common, dryRun: opts.dryRun });
        } catch (err) {
          if (declined) {
            process.stderr.write('Nothing was published.\n');
            process.exitCode = 1;
            return;
          }
          throw err;
        }
      } finally {
        bar.done();
        release();
      }

      // Every line out is masked (tokens) and made inert (escape sequences in file names).
      const out = (text: string) =>
        process.stdout.write(printable(redactSecrets(text, [process.env.HF_TOKEN])));
      if (opts.json) {
        out(JSON.stringify(redactValue(result.summary, [process.env.HF_TOKEN]), null, 2) + '\n');
      } else if (result.dryRun) {
        out(formatPlan(result.plan, result.summary.repoId));
        if (result.summary.visibility) out(`Visibility: ${result.summary.visibility}\n`);
      } else {
        const v = result.verification!;
        const committed = result.outcome!.files.filter((f) => !f.skipped).length;
        const reused = result.outcome!.lfsObjectsReused ?? 0;
        out(
          `${v.verified ? c.green('Published and verified') : c.red('Published but NOT verified')}: ${v.url}` +
            `${result.summary.visibility ? ` (${result.summary.visibility})` : ''}\n` +
            `checkpoint ${result.summary.checkpoint}, eval_accuracy ${
              result.summary.evalAccuracy === null
                ? 'not evaluated'
                : formatScore(result.summary.evalAccuracy)
            }; ${committed} file(s) committed${reused ? ` (${reused} LFS object(s) already on the Hub, not sent again)` : ''}, ${result.outcome!.files.length - committed} unchanged; commit ${result.summary.commit ?? '-'}\n`,
        );
        for (const check of v.checks.filter((x) => !x.ok)) out(`  ${check.path}: ${check.problem}\n`);
        if (v.unaccounted.length) {
          out(
            `  ${v.unaccounted.length} file(s) on the Hub are not from this publish: ${v.unaccounted.map((f) => f.path).join(', ')}\n` +
              `  (--delete-remote removes them, --keep-remote keeps them knowingly)\n`,
          );
        }
        if (v.receiptPath) out(`receipt: ${v.receiptPath}\n`);
      }
      process.exitCode = result.dryRun || result.summary.verified ? 0 : 1;
    });

  const token = program
    .command('token')
    .description('The Hugging Face token: where it comes from, saving and forgetting it.');
  token
    .command('status')
    .description('Show which token would be used, from where, and whose it is (masked).')
    .option('--endpoint <url>', 'the Hub endpoint')
    .option('--token-file <file>', 'read the token from this file')
    .option('--json', 'print JSON')
    .action(async (opts: { endpoint?: string; tokenFile?: string; json?: boolean }) => {
      const { describeAccount, resolveToken } = await tokens();
      const resolved = await resolveToken({ tokenFile: opts.tokenFile, workspaceRoot: process.cwd() });
      const account = await describeAccount(resolved.token, resolveHubEndpoint(opts.endpoint), {
        source: resolved.source,
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify(account, null, 2) + '\n');
        return;
      }
      for (const n of resolved.notes) process.stderr.write(`${n}\n`);
      process.stdout.write(
        `${account.user} (${account.role}${account.orgs.length ? `; orgs: ${account.orgs.join(', ')}` : ''}) ` +
          `token ${account.masked} from ${TOKEN_SOURCE_LABELS[account.source]}\n`,
      );
    });
  token
    .command('set')
    .description(
      'Check a token with the Hub and save it in the system keychain (read from stdin or --token-file).',
    )
    .option('--endpoint <url>', 'the Hub endpoint')
    .option('--token-file <file>', 'read the token from this file instead of stdin')
    .action(async (opts: { endpoint?: string; tokenFile?: string }) => {
      const { createKeychain, describeAccount, resolveToken } = await tokens();
      let value: string;
      if (opts.tokenFile) {
        value = (await resolveToken({ tokenFile: opts.tokenFile, keychain: null })).token;
      } else {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
        value = Buffer.concat(chunks).toString('utf8').trim();
      }
      if (!value)
        throw new AppError('TOKEN_MISSING', 'No token given: pipe it on stdin or pass --token-file.');
      const account = await describeAccount(value, resolveHubEndpoint(opts.endpoint), { source: 'explicit' });
      // The CLI lives for one command: a session-only token would be gone at once, so say so instead.
      await createKeychain().save(value);
      process.stdout.write(
        `Saved the token ${account.masked} of ${account.user} (${account.role}) in the system keychain.\n`,
      );
    });
  token
    .command('forget')
    .description('Remove the saved token from the system keychain.')
    .action(async () => {
      const { forgetToken, SessionTokenStore } = await tokens();
      const removed = await forgetToken({ session: new SessionTokenStore() });
      process.stdout.write(
        removed ? 'The token was removed from the keychain.\n' : 'No token was saved in the keychain.\n',
      );
    });
}
