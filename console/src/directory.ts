import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Organization, Role } from './api/types';
import type { Session } from './session';

/** What many pages look up: organizations (for names and choices) and roles. Reloaded after changes. */
export interface Directory {
  readonly organizations: readonly Organization[];
  readonly roles: readonly Role[];
  organizationName(id: string | null): string;
  /** Resolves once the new organizations and roles are shown. */
  reload(): Promise<void>;
}

/** Platform admins see every organization; an org-admin reads only its own (GET /organizations is not for it). */
export async function loadDirectory(session: Session): Promise<Pick<Directory, 'organizations' | 'roles'>> {
  const { api, admin } = session;
  const [organizations, roles] = await Promise.all([
    admin.kind === 'platform'
      ? api.allOrganizations()
      : api.getOrganization(admin.organizationId!).then((organization) => [organization]),
    api.listRoles(),
  ]);
  return { organizations, roles };
}

export function directoryOf(
  loaded: Pick<Directory, 'organizations' | 'roles'>,
  reload: () => Promise<void>,
): Directory {
  const names = new Map(loaded.organizations.map((organization) => [organization.id, organization.name]));
  return {
    ...loaded,
    organizationName: (id) => (id === null ? 'Platform' : (names.get(id) ?? id)),
    reload,
  };
}

export const DirectoryContext = createContext<Directory | null>(null);

export function useDirectory(): Directory {
  const directory = useContext(DirectoryContext);
  if (!directory) throw new Error('useDirectory outside the signed-in console');
  return directory;
}
