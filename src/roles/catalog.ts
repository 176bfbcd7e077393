import { BUILT_IN_ROLES } from './built-in.js';
import type { Role } from './types.js';

/** Looks roles up by name. Built-in roles are static, so the token endpoint resolves them without I/O. */
export class RoleCatalog {
  private readonly builtIn = new Map(BUILT_IN_ROLES.map((role) => [role.name, role]));

  async find(name: string): Promise<Role | undefined> {
    return this.builtIn.get(name);
  }

  async list(): Promise<Role[]> {
    return [...this.builtIn.values()];
  }
}
