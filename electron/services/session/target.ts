/**
 * The repository name proposed for a workspace that was never published: from the README's title (its
 * `model_name` metadata or first `# heading`), otherwise from the folder's name, as a valid Hub name.
 */
import type { RepoProposal } from '../../../shared/ipc/contract';
import { documentLayout, readMetadata } from '../../../shared/modelcard';
import { checkRepoNameSyntax } from '../../../shared/repo-name';

/** A Hub repository name from free text: letters, digits, `-`, `_`, `.`; at most 96 characters. */
export function repoNameFrom(text: string): string | null {
  const name = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/-{2,}/g, '-')
    .slice(0, 96)
    .replace(/[-.]+$/g, '');
  return name && checkRepoNameSyntax(name) === null ? name : null;
}

function readmeTitle(readme: string): string | null {
  const data = readMetadata(readme).data;
  if (typeof data?.model_name === 'string' && data.model_name.trim()) return data.model_name;
  // After the front matter as the Hub finds it (CRLF too): a `# TODO` comment in the YAML is no title.
  const heading = /^#\s+(.+?)\s*#*\s*$/m.exec(readme.slice(documentLayout(readme).bodyStart));
  return heading?.[1] ?? null;
}

export function proposeRepoName(readme: string | null, folderName: string): RepoProposal {
  const title = readme !== null ? readmeTitle(readme) : null;
  const fromTitle = title ? repoNameFrom(title) : null;
  if (fromTitle) return { repo: fromTitle, source: 'readme-title' };
  return { repo: repoNameFrom(folderName) ?? 'my-model', source: 'folder' };
}
