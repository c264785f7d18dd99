/**
 * Repository names, checked against the Hub's rules before any request (the same rules
 * `huggingface_hub.validate_repo_id` applies): letters, digits, `-`, `_`, `.`; at most 96 characters;
 * starting and ending with a letter or digit; no `--` or `..`; not ending in `.git`.
 */
import { AppError } from './result';

export interface RepoName {
  namespace: string;
  name: string;
  /** `namespace/name` */
  id: string;
}

const PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

function problemWith(part: string, what: string): string | null {
  if (part.length === 0) return `the ${what} is empty`;
  if (part.length > 96) return `the ${what} is longer than 96 characters`;
  if (/[^A-Za-z0-9._-]/.test(part)) {
    const bad = [...new Set(part.replace(/[A-Za-z0-9._-]/g, ''))].join(' ');
    return `the ${what} contains characters the Hub does not allow (${bad})`;
  }
  if (!PART.test(part)) return `the ${what} must start and end with a letter or a digit`;
  if (part.includes('--') || part.includes('..')) return `the ${what} cannot contain "--" or ".."`;
  if (part.toLowerCase().endsWith('.git')) return `the ${what} cannot end with ".git"`;
  return null;
}

/**
 * Parses `NAME` or `namespace/NAME`; the namespace defaults to `defaultNamespace` (the account's user).
 * Throws REPO_NAME_INVALID with what to change.
 */
export function parseRepoName(input: string, defaultNamespace?: string | null): RepoName {
  const raw = input.trim();
  const parts = raw.split('/');
  if (parts.length > 2) {
    throw new AppError('REPO_NAME_INVALID', `"${raw}" is not a repository name: use NAME or namespace/NAME.`);
  }
  const [first, second] = parts as [string, string | undefined];
  const namespace = second === undefined ? (defaultNamespace ?? null) : first;
  const name = second === undefined ? first : second;
  const hint = 'Use letters, digits, "-", "_" and ".", e.g. my-model-v2.';
  const nameProblem = problemWith(name, 'name');
  if (nameProblem)
    throw new AppError(
      'REPO_NAME_INVALID',
      `"${raw}" is not a valid repository name: ${nameProblem}. ${hint}`,
    );
  if (namespace === null) {
    throw new AppError(
      'REPO_NAME_INVALID',
      `"${raw}" has no owner: use namespace/NAME, or sign in so your user name is used.`,
    );
  }
  const nsProblem = problemWith(namespace, 'owner (namespace)');
  if (nsProblem)
    throw new AppError('REPO_NAME_INVALID', `"${raw}" is not a valid repository name: ${nsProblem}. ${hint}`);
  return { namespace, name, id: `${namespace}/${name}` };
}

/** Checks the syntax only (the namespace may come from whoami later): for forms and argument parsing. */
export function checkRepoNameSyntax(input: string): string | null {
  try {
    parseRepoName(input, 'placeholder');
    return null;
  } catch (err) {
    return err instanceof AppError ? err.message : String(err);
  }
}
