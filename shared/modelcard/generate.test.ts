import { describe, expect, it } from 'vitest';
import { generateModelCard, MORE_INFORMATION_NEEDED } from './generate';
import { validateCard, readMetadata } from './metadata';
import { updateBenchmarkTable } from './table';
import type { CardInput } from './types';

const INPUT: CardInput = {
  repoId: 'acme/tiny-chat',
  checkpoint: { name: 'checkpoint-1200', step: 1200 },
  scores: { math_reasoning: 0.0625, logic_puzzles: 0.4375 },
  evalAccuracy: 0.25,
  bestReason: 'Highest eval_accuracy (0.250) of 6 checkpoints; ties broken by the later step.',
  benchmarks: ['math_reasoning', 'logic_puzzles', 'code_generation'],
  config: { architectures: ['LlamaForCausalLM'], model_type: 'llama', _name_or_path: 'meta-llama/Llama-3.2-1B' },
  trainerState: {
    global_step: 1200,
    max_steps: 1500,
    epoch: 2.4,
    num_train_epochs: 3,
    best_model_checkpoint: '/home/me/run/checkpoint-1200',
    log_history: [
      { loss: 2.123456, learning_rate: 1e-5, epoch: 0.5, step: 250 },
      { eval_loss: 1.98765, eval_accuracy: 0.2, eval_runtime: 3.1, epoch: 1, step: 500 },
      { loss: 1.5, epoch: 1.5, step: 750 },
      { eval_loss: 1.7, eval_accuracy: 0.25, eval_runtime: 3.0, epoch: 2, step: 1000 },
    ],
  },
  license: 'apache-2.0',
  systemPrompt: 'You are a "helpful" assistant.\nAnswer briefly.',
  temperature: 0.7,
  contact: 'ml-team@acme.example',
};

describe('generateModelCard', () => {
  it('writes metadata the Hub accepts, derived from the config', () => {
    const { text, metadata } = generateModelCard(INPUT);
    expect(metadata).toEqual({ license: 'apache-2.0', library_name: 'transformers', base_model: 'meta-llama/Llama-3.2-1B', pipeline_tag: 'text-generation', tags: ['llama'] });
    expect(readMetadata(text).data).toEqual(metadata);
    expect(validateCard(text)).toMatchObject({ ok: true, problems: [] });
  });

  it('lists every benchmark with three decimals, the average and the checkpoint choice', () => {
    const { text } = generateModelCard(INPUT);
    expect(text).toContain('| Math Reasoning | 0.062 |\n| Logic Puzzles | 0.438 |\n| Code Generation | not evaluated |\n| **Average (eval_accuracy)** | 0.250 |');
    expect(text).toContain('Not evaluated for this checkpoint: Code Generation.');
    expect(text).toContain('This card describes `checkpoint-1200`, saved at step 1200. Highest eval_accuracy (0.250) of 6 checkpoints');
  });

  it('has a table the updater fills later', () => {
    const { text } = generateModelCard(INPUT);
    const { text: updated, report } = updateBenchmarkTable(text, { math_reasoning: 0.5, code_generation: 0.8125, eval_accuracy: 0.6 }, { benchmarks: INPUT.benchmarks });
    expect(report.benchmarksWithoutRow).toEqual([]);
    expect(updated).toContain('| Math Reasoning | 0.500 |\n| Logic Puzzles | 0.438 |\n| Code Generation | 0.812 |\n| **Average (eval_accuracy)** | 0.600 |');
  });

  it('writes the Trainer-style training results table', () => {
    const { text } = generateModelCard(INPUT);
    expect(text).toContain('- **Steps:** 1200 of 1500\n- **Epochs:** 2.4 of 3\n- **Best checkpoint according to the trainer:** `checkpoint-1200`');
    expect(text).not.toContain('/home/me');
    expect(text).toContain(
      '| Training Loss | Epoch | Step | Validation Loss | Accuracy |\n|:---:|:---:|:---:|:---:|:---:|\n| 2.1235 | 1.0 | 500 | 1.9876 | 0.2 |\n| 1.5 | 2.0 | 1000 | 1.7 | 0.25 |',
    );
    expect(generateModelCard({ ...INPUT, trainerState: null }).text).not.toContain('## Training details');
  });

  it('gives a usage snippet with the repo id, the system prompt and the temperature', () => {
    const { text } = generateModelCard(INPUT);
    expect(text).toContain('model_id = "acme/tiny-chat"');
    expect(text).toContain('{"role": "system", "content": "You are a \\"helpful\\" assistant.\\nAnswer briefly."},');
    expect(text).toContain('temperature=0.7)');
    expect(text).toContain('Recommended sampling temperature: **0.7**.');
    expect(text).toContain('## Contact\n\nml-team@acme.example');
  });

  it('marks what it cannot know instead of inventing it', () => {
    const { text, todo, metadata } = generateModelCard({
      ...INPUT,
      license: null,
      systemPrompt: null,
      temperature: null,
      contact: null,
      bestReason: '',
      config: { architectures: ['LlamaForCausalLM'], _name_or_path: '/data/runs/base' },
    });
    expect(metadata).not.toHaveProperty('license');
    expect(metadata).not.toHaveProperty('base_model');
    expect(text).toContain('- **Fine-tuned from:** [More Information Needed]');
    expect(text).toContain('# TODO: choose a license id');
    expect(text).toContain('"content": "TODO: system prompt"');
    expect(text).toContain('do_sample=True)  # TODO: add temperature=');
    expect(text.split(MORE_INFORMATION_NEEDED).length).toBeGreaterThan(5);
    expect(todo).toEqual(expect.arrayContaining([expect.stringMatching(/license/), expect.stringMatching(/system prompt/), expect.stringMatching(/temperature/), expect.stringMatching(/contact/)]));
    for (const item of todo.filter((entry) => !entry.includes('license id'))) expect(text).toContain(`<!-- TODO: ${item} -->`);
  });

  it('uses a pipeline snippet for classifiers and can add model-index', () => {
    const { text, metadata } = generateModelCard({ ...INPUT, config: { architectures: ['BertForSequenceClassification'] } }, { modelIndex: true });
    expect(metadata.pipeline_tag).toBe('text-classification');
    expect(text).toContain('classifier = pipeline("text-classification", model="acme/tiny-chat")');
    expect(validateCard(text).ok).toBe(true);
    expect(JSON.stringify(readMetadata(text).data?.['model-index'])).toContain('"dataset":{"name":"Math Reasoning","type":"math_reasoning"}');
  });
});

describe('generateModelCard: sections follow the model’s task', () => {
  const bert: CardInput = {
    ...INPUT,
    repoId: 'acme/sentiment',
    config: { architectures: ['BertForSequenceClassification'], model_type: 'bert', id2label: { '0': 'negative', '1': 'positive' } },
    systemPrompt: null,
    temperature: null,
  };

  it('a BERT classifier gets a classification pipeline and its labels, never a system prompt or a temperature', () => {
    const { text, todo, metadata } = generateModelCard(bert);
    expect(metadata.pipeline_tag).toBe('text-classification');
    expect(text).toContain('pipeline("text-classification", model="acme/sentiment")');
    expect(text).toContain('Labels: `negative`, `positive`.');
    expect(text).not.toMatch(/system prompt|temperature|apply_chat_template/i);
    expect(todo.join('\n')).not.toMatch(/system prompt|temperature/i);
  });

  it.each([
    ['BertForTokenClassification', 'token-classification', 'aggregation_strategy="simple"'],
    ['T5ForConditionalGeneration', 'text2text-generation', 'pipeline("text2text-generation"'],
    ['BertModel', 'feature-extraction', 'mean pooling'],
  ])('%s gets the %s usage', (architecture, tag, snippet) => {
    const { text, metadata } = generateModelCard({ ...bert, config: { architectures: [architecture] } });
    expect(metadata.pipeline_tag).toBe(tag);
    expect(text.toLowerCase()).toContain(snippet.toLowerCase());
    expect(text).not.toMatch(/system prompt|temperature/i);
  });

  it('a pipeline_tag in the config wins over the architecture', () => {
    const { metadata, text } = generateModelCard({ ...bert, config: { architectures: ['BertModel'], pipeline_tag: 'sentence-similarity' } });
    expect(metadata.pipeline_tag).toBe('sentence-similarity');
    expect(text).toContain('embeddings = ');
  });

  it('a causal LM keeps the chat usage with its system prompt and temperature', () => {
    const { text } = generateModelCard(INPUT);
    expect(text).toContain('"role": "system"');
    expect(text).toContain('temperature=0.7');
  });
});

describe('generateModelCard: endpoint and license', () => {
  it('links the repository and the base model on the configured endpoint', () => {
    const { text } = generateModelCard({ ...INPUT, endpoint: 'https://hub.example.org/' });
    expect(text).toContain('[acme/tiny-chat](https://hub.example.org/acme/tiny-chat)');
    expect(text).toContain('[meta-llama/Llama-3.2-1B](https://hub.example.org/meta-llama/Llama-3.2-1B)');
    expect(text).not.toContain('https://huggingface.co/acme');
  });

  it('"other" carries license_name and license_link, and asks for them until both are set', () => {
    const other = generateModelCard({ ...INPUT, license: 'other', licenseName: 'acme-research', licenseLink: 'LICENSE.md' });
    expect(other.metadata).toMatchObject({ license: 'other', license_name: 'acme-research', license_link: 'LICENSE.md' });
    expect(validateCard(other.text).problems).toEqual([]);
    expect(other.text).toContain('released under the [acme-research](LICENSE.md) license');
    const unnamed = generateModelCard({ ...INPUT, license: 'other' });
    expect(unnamed.todo.join('\n')).toContain('license_name');
  });
});
