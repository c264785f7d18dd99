/**
 * The repository the open workspace publishes to: state of the session, derived from what the user typed
 * (or, until they type, what the main process proposed for this workspace: the repository it was last
 * published to, else a name from the README's title or the folder) and the owners the account can use.
 * Never carried over from another workspace: a new session starts from its own proposal.
 */
import type { AccountStatus } from '../../../shared/ipc/contract';
import { accountStore, namespaces } from './account';
import { sessionStore, type SessionModel } from './session';

export interface RepoTarget {
  /** The owner shown in the owner list; null until the account is known. */
  namespace: string | null;
  /** The name shown in the name field (a foreign `owner/name` stays whole). */
  name: string;
  /** `owner/name` as it will be published, or '' when there is no name. */
  repo: string;
  /** Where the name comes from. */
  source: 'typed' | 'remembered' | 'readme-title' | 'folder' | null;
}

export function repoTarget(
  model: SessionModel = sessionStore.get(),
  status: AccountStatus | null = accountStore.get().status,
): RepoTarget {
  const owners = namespaces(status);
  const typed = model.publish.name;
  const input = typed ?? model.info?.target.repo ?? '';
  const source = typed !== null ? 'typed' : (model.info?.target.source ?? null);
  const picked = model.publish.namespace;
  const slash = input.indexOf('/');
  if (slash > 0) {
    const owner = input.slice(0, slash);
    const rest = input.slice(slash + 1);
    if (owners.includes(owner) || (owners.length === 0 && picked === null)) {
      const namespace = picked ?? owner;
      return { namespace, name: rest, repo: join(namespace, rest), source };
    }
    // An owner that is not the user's: kept whole so the main process can say why it cannot be used.
    return { namespace: picked ?? owners[0] ?? null, name: input, repo: input.trim(), source };
  }
  const namespace =
    picked !== null && (owners.length === 0 || owners.includes(picked)) ? picked : (owners[0] ?? null);
  return { namespace, name: input, repo: join(namespace, input), source };
}

function join(namespace: string | null, name: string): string {
  const n = name.trim();
  if (!n) return '';
  return namespace ? `${namespace}/${n}` : n;
}

export function useRepoTarget(): RepoTarget {
  // Both stores are read; each `use` subscribes to what the target depends on.
  const status = accountStore.use((s) => s.status);
  const model = sessionStore.use((m) => m);
  return repoTarget(model, status);
}
