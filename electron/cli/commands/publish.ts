import { type Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { formatScore } from '../../../shared/format';
import { formatBytes, plural } from '../../../shared/units';
import type { OtherWorkspacePublish, PublishPlan, PublishSummary } from '../../../shared/publish';
import { redactSecrets, redactValue } from '../../../shared/redact';
import { AppError } from '../../../shared/result';
import { defaultDataDir } from '../../services/app-data';
import { resolveHubEndpoint } from '../../services/endpoint';
import type { PublishWorkspaceResult } from '../../services/publish/workspace';
import { checkRepoNameSyntax } from '../../../shared/repo-name';
import { readBoundedFile } from '../../services/safe-read';
import { parseWeight, selectionFromFlags } from './evaluate';
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
  card?: string;
  saveCard?: string;
  metric?: string;
  weight?: Record<string, number>;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function formatPlan(plan: PublishPlan, repoId: string): string {
  const rows = plan.files.map((f) => [
    f.path,
    formatBytes(f.bytes),
    f.lfs ? 'LFS' : '',
    f.unchanged ? 'already on the Hub' : 'upload',
  ]);
  let out = `Plan for ${repoId}: checkpoint ${plan.checkpoint}, eval_accuracy ${
    plan.evalAccuracy === null ? 'not evaluated' : formatScore(plan.evalAccuracy)
  }\n\n`;
  out += renderTable(['file', 'size', 'storage', 'action'], rows, ['left', 'right']);
  const sending = plan.files.filter((f) => !f.unchanged);
  out += `\n${plural(plan.files.length, 'file')}, ${formatBytes(plan.totalBytes)} (${formatBytes(plan.lfsBytes)} through LFS); ${sending.length} to send in ${plural(plan.commits.length, 'commit')}.\n`;
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

/**
 * The card a user edited (`--card FILE`), read as the workspace's README is: a regular file of bounded size,
 * UTF-8 text, not empty. A leading byte-order mark is dropped (editors add one; the Hub's YAML front matter
 * must start the file).
 */
async function readCardFile(file: string, maxBytes: number): Promise<{ text: string; source: string }> {
  const bytes = await readBoundedFile(path.resolve(file), { maxBytes, label: `--card ${file}` });
  if (bytes === null) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `--card ${file}: no such file. Pass the README you edited (\`publish --dry-run --save-card FILE\` writes the card it would publish, to edit).`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError(
      'INVALID_ARGUMENT',
      `--card ${file} is not UTF-8 text. Save it as UTF-8, then publish again.`,
    );
  }
  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '') {
    throw new AppError(
      'INVALID_ARGUMENT',
      `--card ${file} is empty. Write the model card into it, then publish again.`,
    );
  }
  return { text, source: file };
}

/** The dry run's card, delimited so it reads as one document between the plan and the shell prompt. */
export function formatCard(card: string): string {
  const lines = card.split('\n').length - (card.endsWith('\n') ? 1 : 0);
  return (
    `\n--- README.md as it would be published (${plural(lines, 'line')}) ---\n` +
    (card.endsWith('\n') ? card : `${card}\n`) +
    `--- end of README.md (to change it: --save-card FILE, edit FILE, then publish with --card FILE) ---\n`
  );
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
    .option(
      '--metric <name>',
      'pick the best by this metric: eval_accuracy (default), eval_loss (lower is better)...',
    )
    .option(
      '--weight <benchmark=weight>',
      "a benchmark's weight in eval_accuracy (default 1, 0 leaves it out; repeatable)",
      parseWeight,
    )
    .option('--endpoint <url>', 'the Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co)')
    .option('--token-file <file>', 'read the token from this file')
    .option('--private', 'create the repository as private')
    .option('--dry-run', 'print the plan and the card it would publish, and stop')
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
    .option(
      '--card <file>',
      'publish this README.md (a card you edited) as written, instead of the one prepared from the workspace',
    )
    .option(
      '--save-card <file>',
      'with --dry-run: write the card it would publish to this new file (to edit, then pass to --card)',
    )
    .action(async (folder: string, opts: PublishCliOptions) => {
      const { publishWorkspace, MAX_README_BYTES } = await publishing();
      const syntax = checkRepoNameSyntax(opts.repo);
      if (syntax) throw new AppError('REPO_NAME_INVALID', syntax);
      if (opts.saveCard && !opts.dryRun) {
        throw new AppError(
          'INVALID_ARGUMENT',
          '--save-card writes the card a dry run would publish: add --dry-run (then publish the edited file with --card).',
        );
      }
      if (opts.card && opts.modelIndex) {
        throw new AppError(
          'INVALID_ARGUMENT',
          `--card publishes ${opts.card} as written and --model-index would rewrite its metadata: put the model-index in ${opts.card} yourself, or leave out one of the two.`,
        );
      }
      const card = opts.card ? await readCardFile(opts.card, MAX_README_BYTES) : undefined;
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
          selection: await selectionFromFlags(dataDir, path.resolve(folder), opts),
          modelIndex: opts.modelIndex,
          evalResults: opts.evalResults,
          overwriteResults: opts.overwriteResults,
          keychain: opts.keychain ? undefined : null,
          card,
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
      if (result.dryRun && opts.saveCard) {
        // A new file only: an earlier edit of the card is never overwritten.
        await writeFile(opts.saveCard, result.card, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
          throw new AppError(
            'INVALID_ARGUMENT',
            err.code === 'EEXIST'
              ? `--save-card ${opts.saveCard} already exists; it is not overwritten. Choose another file name, or publish it with --card ${opts.saveCard}.`
              : `--save-card ${opts.saveCard} cannot be written (${err.code ?? err.message}).`,
          );
        });
      }
      if (opts.json) {
        const summary = result.dryRun ? { ...result.summary, readme: result.card } : result.summary;
        out(JSON.stringify(redactValue(summary, [process.env.HF_TOKEN]), null, 2) + '\n');
      } else if (result.dryRun) {
        out(formatPlan(result.plan, result.summary.repoId));
        if (result.summary.visibility) out(`Visibility: ${result.summary.visibility}\n`);
        if (opts.saveCard) {
          out(
            `\nModel card written to ${opts.saveCard}: edit it, then publish it with --card ${opts.saveCard}.\n`,
          );
        } else {
          out(formatCard(result.card));
        }
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
            }; ${plural(committed, 'file')} committed${reused ? ` (${plural(reused, 'LFS object')} already on the Hub, not sent again)` : ''}, ${result.outcome!.files.length - committed} unchanged; commit ${result.summary.commit ?? '-'}\n`,
        );
        for (const check of v.checks.filter((x) => !x.ok)) out(`  ${check.path}: ${check.problem}\n`);
        if (v.unaccounted.length) {
          out(
            `  ${plural(v.unaccounted.length, 'file')} on the Hub ${v.unaccounted.length === 1 ? 'is' : 'are'} not from this publish: ${v.unaccounted.map((f) => f.path).join(', ')}\n` +
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
