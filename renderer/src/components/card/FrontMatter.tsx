/**
 * The card's YAML front matter shown as the Hub shows it: a block of metadata (license, tags, datasets…),
 * not as raw YAML.
 */
import { useMemo } from 'react';
import { parse, stringify } from 'yaml';

export type ParsedFrontMatter = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

export function parseFrontMatter(yaml: string): ParsedFrontMatter {
  try {
    const value: unknown = parse(yaml);
    if (value === null || value === undefined) return { ok: true, value: {} };
    if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, message: 'The metadata is not a mapping of keys to values.' };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

export function FrontMatter({ yaml }: { yaml: string }) {
  const parsed = useMemo(() => parseFrontMatter(yaml), [yaml]);
  if (!parsed.ok) {
    return (
      <div className="card-meta card-meta--invalid" role="group" aria-label="Metadata">
        <p className="card-meta__title">Metadata (invalid YAML)</p>
        <pre className="card-meta__raw">{yaml}</pre>
      </div>
    );
  }
  const entries = Object.entries(parsed.value);
  if (entries.length === 0) return null;
  return (
    <div className="card-meta" role="group" aria-label="Metadata">
      <p className="card-meta__title">Metadata</p>
      <dl className="card-meta__list">
        {entries.map(([key, value]) => (
          <div className="card-meta__row" key={key}>
            <dt>{key}</dt>
            <dd>
              {isScalar(value) ? (
                <span className="card-meta__chip">{String(value)}</span>
              ) : Array.isArray(value) && value.every(isScalar) ? (
                value.map((v, i) => (
                  <span className="card-meta__chip" key={i}>
                    {String(v)}
                  </span>
                ))
              ) : value === null ? (
                <span className="muted">empty</span>
              ) : (
                <details>
                  <summary>{Array.isArray(value) ? `${value.length} entries` : 'details'}</summary>
                  <pre className="card-meta__raw">{stringify(value)}</pre>
                </details>
              )}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
