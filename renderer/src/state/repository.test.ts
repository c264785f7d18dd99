// @vitest-environment happy-dom
/** The repository target is derived from the session's proposal, what the user typed and the account's owners. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RepoProposal } from '../../../shared/ipc/contract';
import { createFakeApi, sessionIdFor } from '../testing/fake-api';
import { signedIn } from '../testing/workspaces';
import type * as AccountModule from './account';
import type * as PublishModule from './publish';
import type * as RepositoryModule from './repository';
import type * as SessionModule from './session';

let session: typeof SessionModule;
let account: typeof AccountModule;
let publish: typeof PublishModule;
let repository: typeof RepositoryModule;

beforeEach(async () => {
  vi.resetModules();
  window.api = createFakeApi().api;
  session = await import('./session');
  account = await import('./account');
  publish = await import('./publish');
  repository = await import('./repository');
});

function openWith(target: RepoProposal, n = 1) {
  session.replaceSession({ sessionId: sessionIdFor(n), root: `/runs/r${n}`, name: `r${n}`, target });
}

describe('the repository target', () => {
  it('starts from the session’s proposal under the account’s user, and says where it came from', () => {
    openWith({ repo: 'Llama-7B', source: 'readme-title' });
    expect(repository.repoTarget()).toEqual({
      namespace: null,
      name: 'Llama-7B',
      repo: 'Llama-7B',
      source: 'readme-title',
    });
    account.accountStore.set({ status: signedIn('alice', ['acme']) });
    expect(repository.repoTarget()).toEqual({
      namespace: 'alice',
      name: 'Llama-7B',
      repo: 'alice/Llama-7B',
      source: 'readme-title',
    });
  });

  it('takes a remembered owner the account can use, and keeps a foreign owner whole for the main process to refuse', () => {
    account.accountStore.set({ status: signedIn('alice', ['acme']) });
    openWith({ repo: 'acme/tr1', source: 'remembered' });
    expect(repository.repoTarget()).toMatchObject({ namespace: 'acme', name: 'tr1', repo: 'acme/tr1' });
    publish.setRepoName('bob/x');
    expect(repository.repoTarget()).toMatchObject({ name: 'bob/x', repo: 'bob/x', source: 'typed' });
  });

  it('follows what the user types and picks, and a pasted owner/name is split', () => {
    account.accountStore.set({ status: signedIn('alice', ['acme']) });
    openWith({ repo: 'r1', source: 'folder' });
    publish.setRepoName('acme/model');
    expect(repository.repoTarget()).toMatchObject({
      namespace: 'acme',
      name: 'model',
      repo: 'acme/model',
      source: 'typed',
    });
    publish.setNamespace('alice');
    expect(repository.repoTarget().repo).toBe('alice/model');
    publish.setRepoName('');
    expect(repository.repoTarget().repo).toBe('');
  });

  it('belongs to the session: a new one starts from its own proposal, whatever was typed before', () => {
    account.accountStore.set({ status: signedIn('alice') });
    openWith({ repo: 'first', source: 'folder' }, 1);
    publish.setRepoName('tr1');
    publish.setPrivate(true);
    openWith({ repo: 'second', source: 'folder' }, 2);
    expect(repository.repoTarget().repo).toBe('alice/second');
    expect(publish.publishStore.get().private).toBe(false);
  });
});
