/**
 * Scores where the Hub shows them, through `hub-publisher publish` as a user runs it (a child process
 * against the local Hub): the README table, `model-index` and `.eval_results/` from one set of results,
 * merged with what is there, validated before any byte moves; then the Python `huggingface_hub` client
 * reads what was published.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatScore } from '../../shared/format';
import { buildWorkspace, tempDir } from '../fixtures/workspace';
import { startLocalHub, type LocalHub } from '../local-hub';
import { probePythonClient } from '../python/client';

const TOKEN = 'hf_' + 'EvalResultsWriteTokenForTheTestsAAA';
const repoRoot = path.resolve(__dirname, '../..');
const exec = promisify(execFile);

/** The seed job's card: YAML the user wrote, a table of placeholders, prose that must stay as it is. */
const SEED_README = `---
license: apache-2.0
language:
  - en
tags:
  - reasoning # kept as written
---
# Tiny reasoner

| Benchmark | Score |
|---|---|
| GSM8K | {RESULT} |
| ARC Easy | {RESULT} |
| Average | {RESULT} |

Hand-written notes stay as they are.
`;

// Scores whose three-decimal form differs from the full value, so a rounded copy cannot pass for the real one.
const TRAINER = {
  'checkpoint-100': { gsm8k: 0.25, arc_easy: 0.5 },
  'checkpoint-200': { gsm8k: 0.41666666666666669, arc_easy: 0.62534 },
};
const HARNESS = {
  step_100: { gsm8k: 0.3, arc_easy: 0.4 },
  step_200: { gsm8k: 0.4379, arc_easy: 0.71283 },
};

let hub: LocalHub;
let work: string;
const python = probePythonClient();

beforeAll(async () => {
  work = await tempDir('eval-results-');
  hub = await startLocalHub({
    dataDir: path.join(work, 'hub'),
    users: [{ name: 'erin', token: TOKEN, role: 'write' }],
  });
  await writeFile(path.join(work, 'token'), `${TOKEN}\n`);
});

afterAll(async () => {
  await hub?.close();
  await rm(work, { recursive: true, force: true });
});

async function run(file: string, args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot) {
  try {
    const { stdout, stderr } = await exec(file, args, {
      cwd,
      env,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const cli = (ws: string, repo: string, ...flags: string[]) =>
  run(
    process.execPath,
    [
      'bin/hub-publisher.js',
      'publish',
      ws,
      '--endpoint',
      hub.url,
      '--token-file',
      path.join(work, 'token'),
      '--no-keychain',
      '--repo',
      repo,
      '--yes',
      '--json',
      ...flags,
    ],
    { PATH: process.env.PATH, HOME: work, HUB_PUBLISHER_DATA_DIR: path.join(work, 'data') },
  );

async function hubText(repo: string, file: string): Promise<string | null> {
  const response = await fetch(`${hub.url}/erin/${repo}/resolve/main/${file}`);
  return response.status === 200 ? response.text() : null;
}

async function hubFiles(repo: string): Promise<string[]> {
  const response = await fetch(`${hub.url}/api/models/erin/${repo}/tree/main?recursive=true`);
  return ((await response.json()) as { path: string; type: string }[])
    .filter((e) => e.type === 'file')
    .map((e) => e.path);
}

const frontMatter = (readme: string) =>
  parse(/^---\n([\s\S]*?)\n---\n/.exec(readme)?.[1] ?? '') as Record<string, unknown>;
type ModelIndex = {
  name: string;
  results: { dataset: { type: string }; metrics: { type: string; value: number }[] }[];
}[];

/** Every cell of the table, the model-index and the .eval_results file say the same number. */
async function expectAgreement(repo: string, expected: { gsm8k: number; arc_easy: number }) {
  const readme = (await hubText(repo, 'README.md'))!;
  expect(readme).toContain(`| GSM8K | ${formatScore(expected.gsm8k)} |`);
  expect(readme).toContain(`| ARC Easy | ${formatScore(expected.arc_easy)} |`);
  const index = frontMatter(readme)['model-index'] as ModelIndex;
  const values = Object.fromEntries(index[0]!.results.map((r) => [r.dataset.type, r.metrics[0]!.value]));
  expect(values).toEqual({ 'openai/gsm8k': expected.gsm8k, 'allenai/ai2_arc': expected.arc_easy });
  const entries = parse((await hubText(repo, '.eval_results/gsm8k.yaml'))!) as {
    dataset: { id: string; task_id: string };
    value: number;
    date: string;
  }[];
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({
    dataset: { id: 'openai/gsm8k', task_id: 'gsm8k' },
    value: expected.gsm8k,
  });
  expect(entries[0]!.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  // ARC is no registered Hub Benchmark: card only, no file.
  expect(await hubFiles(repo)).not.toContain('.eval_results/arc_easy.yaml');
  return readme;
}

describe('evaluation results on the card and in .eval_results', () => {
  it('a Trainer run: table, model-index and .eval_results agree value for value', async () => {
    const ws = path.join(work, 'trainer');
    await buildWorkspace(ws, {
      layout: 'trainer',
      steps: [100, 200],
      checkpoints: Object.entries(TRAINER).map(([name, trainerScores]) => ({ name, trainerScores })),
      readme: SEED_README,
    });
    // Without --json the log says where each score will show, before anything is sent.
    const dry = await run(
      process.execPath,
      [
        'bin/hub-publisher.js',
        'publish',
        ws,
        '--endpoint',
        hub.url,
        '--token-file',
        path.join(work, 'token'),
        '--no-keychain',
        '--repo',
        'trainer-model',
        '--dry-run',
        '--model-index',
        '--eval-results',
      ],
      { PATH: process.env.PATH, HOME: work, HUB_PUBLISHER_DATA_DIR: path.join(work, 'data') },
    );
    expect(dry.stderr).toMatch(
      /gsm8k → openai\/gsm8k \(task gsm8k\): shows on the model page and on the benchmark's leaderboard/,
    );
    expect(dry.stderr).toMatch(
      /arc_easy → allenai\/ai2_arc: not a registered Hub Benchmark, so no \.eval_results file; it shows on the card only/,
    );
    expect(dry.stdout).toMatch(/\.eval_results\/gsm8k\.yaml/);
    const r = await cli(ws, 'trainer-model', '--model-index', '--eval-results');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ checkpoint: 'checkpoint-200', verified: true });
    const readme = await expectAgreement('trainer-model', TRAINER['checkpoint-200']);
    expect(readme).toMatch(
      /source:\n +url: https:\/\/huggingface.co\/docs\/transformers\/main_classes\/trainer\n +name: Transformers Trainer/,
    );
    // Everything else of the YAML keeps its bytes (the comment too): model-index is appended.
    expect(
      readme.startsWith(
        '---\nlicense: apache-2.0\nlanguage:\n  - en\ntags:\n  - reasoning # kept as written\nmodel-index:\n',
      ),
    ).toBe(true);
  });

  it('an lm-evaluation-harness results file: the same agreement, attributed to the harness', async () => {
    const ws = path.join(work, 'harness');
    await buildWorkspace(ws, {
      layout: 'step',
      steps: [100, 200],
      lmEval: { results: HARNESS },
      readme: SEED_README,
    });
    const r = await cli(ws, 'harness-model', '--model-index', '--eval-results');
    expect(r.code, r.stderr).toBe(0);
    await expectAgreement('harness-model', HARNESS.step_200);
    const entry = (
      parse((await hubText('harness-model', '.eval_results/gsm8k.yaml'))!) as { source: unknown }[]
    )[0];
    expect(entry?.source).toEqual({
      url: 'https://github.com/EleutherAI/lm-evaluation-harness',
      name: 'lm-evaluation-harness',
    });
  });

  it.skipIf(python.skipReason !== undefined)(
    'the Python client parses what was published (model-index and .eval_results)',
    async () => {
      const script = String.raw`
import json, sys, yaml
from huggingface_hub import ModelCard, hf_hub_download
from huggingface_hub import parse_eval_result_entries
repo = sys.argv[1]
card = ModelCard.load(repo)
results = [[r.dataset_type, r.metric_type, r.metric_value, r.source_url] for r in card.data.eval_results]
with open(hf_hub_download(repo, ".eval_results/gsm8k.yaml")) as f:
    entries = parse_eval_result_entries(yaml.safe_load(f))
print(json.dumps({"model_name": card.data.model_name, "results": results,
                  "entries": [[e.dataset_id, e.task_id, e.value, e.date, e.source_url] for e in entries]}))
`;
      const ws = path.join(work, 'python');
      await buildWorkspace(ws, {
        layout: 'step',
        steps: [100, 200],
        lmEval: { results: HARNESS },
        readme: SEED_README,
      });
      const published = await cli(ws, 'python-model', '--model-index', '--eval-results');
      expect(published.code, published.stderr).toBe(0);
      const out = await run(python.client!.python, ['-c', script, 'erin/python-model'], {
        PATH: process.env.PATH,
        HF_ENDPOINT: hub.url,
        HF_TOKEN: TOKEN,
        HF_HUB_DISABLE_XET: '1',
        HF_HOME: path.join(work, 'hf-home'),
      });
      expect(out.code, out.stderr).toBe(0);
      const parsed = JSON.parse(out.stdout.trim().split('\n').at(-1)!) as {
        model_name: string;
        results: unknown[][];
        entries: unknown[][];
      };
      expect(parsed.model_name).toBe('python-model');
      const harness = 'https://github.com/EleutherAI/lm-evaluation-harness';
      expect([...parsed.results].sort()).toEqual([
        ['allenai/ai2_arc', 'accuracy', HARNESS.step_200.arc_easy, harness],
        ['openai/gsm8k', 'exact_match', HARNESS.step_200.gsm8k, harness],
      ]);
      expect(parsed.entries).toEqual([
        [
          'openai/gsm8k',
          'gsm8k',
          HARNESS.step_200.gsm8k,
          expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
          harness,
        ],
      ]);
    },
  );

  it('an existing model-index is merged, never overwritten unless asked', async () => {
    const ws = path.join(work, 'merge');
    const readme = SEED_README.replace(
      'tags:\n',
      'model-index:\n- name: my-earlier-name\n  results:\n  - task: {type: text-generation}\n    dataset: {type: openai/gsm8k, name: GSM8K, config: main, split: test}\n    metrics:\n    - {type: exact_match, value: 0.2}\n  - task: {type: text-generation}\n    dataset: {type: cais/mmlu, name: MMLU}\n    metrics:\n    - {type: accuracy, value: 0.55}\ntags:\n',
    );
    await buildWorkspace(ws, { layout: 'step', steps: [100, 200], lmEval: { results: HARNESS }, readme });
    const mark = hub.requestLog.length;
    const refused = await cli(ws, 'merge-model', '--model-index');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'model-index[0].results[0].metrics[0].value already says 0.2 for GSM8K; this checkpoint scored 0.4379',
    );
    expect(refused.stderr).toMatch(/--overwrite-results/);
    expect(
      hub.requestLog
        .slice(mark)
        .filter((x) => ['create-repo', 'preupload', 'lfs-batch', 'commit'].includes(x.kind)),
    ).toEqual([]);

    const merged = await cli(ws, 'merge-model', '--model-index', '--overwrite-results');
    expect(merged.code, merged.stderr).toBe(0);
    const index = frontMatter((await hubText('merge-model', 'README.md'))!)['model-index'] as ModelIndex;
    expect(index[0]!.name).toBe('my-earlier-name');
    // The existing entries keep their place (and name); the new result is appended.
    expect(index[0]!.results.map((r) => [r.dataset.type, r.metrics[0]!.value])).toEqual([
      ['openai/gsm8k', HARNESS.step_200.gsm8k],
      ['cais/mmlu', 0.55],
      ['allenai/ai2_arc', HARNESS.step_200.arc_easy],
    ]);
  });

  it('an invalid card is refused before any upload, with the key named', async () => {
    const ws = path.join(work, 'invalid');
    await buildWorkspace(ws, {
      layout: 'step',
      steps: [100, 200],
      lmEval: { results: HARNESS },
      readme: SEED_README.replace('license: apache-2.0', 'license: apache').replace('  - en', '  - English'),
    });
    const mark = hub.requestLog.length;
    const r = await cli(ws, 'invalid-model');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /- license: license "apache" is not a license id the Hub knows; use one of its ids/,
    );
    expect(r.stderr).toMatch(/- language: language "English" is not a language code; .*\(here: en\)/);
    expect(r.stderr).toMatch(/Nothing was uploaded/);
    expect(hub.requestLog.slice(mark).filter((x) => !['whoami', 'repo-info'].includes(x.kind))).toEqual([]);
  });

  it("the endpoint's validate-yaml is asked too, before hashing: its refusal stops the publish", async () => {
    const ws = path.join(work, 'endpoint-refuses');
    await buildWorkspace(ws, {
      layout: 'step',
      steps: [100, 200],
      lmEval: { results: HARNESS },
      readme: SEED_README,
    });
    hub.setFaults({
      rules: [
        {
          fault: 'status',
          status: 400,
          message: '"tags[0]" is not allowed on this Hub',
          kinds: ['validate-yaml'],
        },
      ],
    });
    try {
      const mark = hub.requestLog.length;
      const r = await cli(ws, 'endpoint-model');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(
        `The Hub (${hub.url}) would reject the model card's metadata (README.md):\n- "tags[0]" is not allowed on this Hub`,
      );
      const kinds = hub.requestLog.slice(mark).map((x) => x.kind);
      expect(kinds).toContain('validate-yaml');
      expect(kinds.filter((k) => ['create-repo', 'preupload', 'lfs-batch', 'commit'].includes(k))).toEqual(
        [],
      );
    } finally {
      hub.setFaults(undefined);
    }
  });

  it('without the flags the seed-style card differs from the original only in its result cells', async () => {
    const ws = path.join(work, 'seed');
    await buildWorkspace(ws, {
      layout: 'step',
      steps: [100, 200],
      lmEval: { results: HARNESS },
      readme: SEED_README,
    });
    const r = await cli(ws, 'seed-model');
    expect(r.code, r.stderr).toBe(0);
    const published = (await hubText('seed-model', 'README.md'))!;
    const original = await readFile(path.join(ws, 'README.md'), 'utf8');
    expect(original).toBe(SEED_README);
    const before = original.split('\n');
    const after = published.split('\n');
    expect(after).toHaveLength(before.length);
    const changed = after.flatMap((line, i) => (line === before[i] ? [] : [[before[i], line]]));
    const average = (HARNESS.step_200.gsm8k + HARNESS.step_200.arc_easy) / 2;
    expect(changed).toEqual([
      ['| GSM8K | {RESULT} |', `| GSM8K | ${formatScore(HARNESS.step_200.gsm8k)} |`],
      ['| ARC Easy | {RESULT} |', `| ARC Easy | ${formatScore(HARNESS.step_200.arc_easy)} |`],
      ['| Average | {RESULT} |', `| Average | ${formatScore(average)} |`],
    ]);
    expect((await hubFiles('seed-model')).filter((f) => f.startsWith('.eval_results/'))).toEqual([]);
  });
});
