import type { Knex } from 'knex';
import { adminEvent } from '../audit/admin-event.js';
import type { AuditTrail } from '../audit/event.js';
import type { AuditEventType } from '../audit/event-types.js';
import { isUniqueViolation } from '../db/errors.js';
import type { Transactional } from '../db/transaction.js';
import type { ChangeFeed } from '../sync/change-feed.js';
import type { Actor } from '../x/actor.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../x/errors.js';
import { parseInput } from '../x/validation.js';
import { BUILT_IN_ROLES } from './built-in.js';
import { createRoleSchema, type RoleList, type RoleResource, roleNameSchema, updateRoleSchema } from './schemas.js';
import type { RoleStore } from './store.js';
import type { Role } from './types.js';

const BUILT_IN = new Map(BUILT_IN_ROLES.map((role) => [role.name, role]));

/** Whether some client holds a role (clients/ implements it), read in the caller's transaction. */
export interface RoleAssignments {
  existsWithRole(role: string, trx: Knex.Transaction): Promise<boolean>;
}

/** The rules for roles: built-ins are fixed, custom roles are the platform admins' to shape. */
export class RoleService {
  constructor(
    private readonly store: RoleStore,
    private readonly clients: RoleAssignments,
    private readonly inTransaction: Transactional,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditTrail,
  ) {}

  /** Read from the database, not the cache: right after a change on another instance this is already current. */
  async list(): Promise<RoleList> {
    return { items: [...BUILT_IN_ROLES, ...(await this.store.list())].map(toRoleResource) };
  }

  async create(input: unknown, actor: Actor): Promise<RoleResource> {
    const fields = parseInput(createRoleSchema, input);
    if (BUILT_IN.has(fields.name)) throw new ConflictError(`"${fields.name}" is a built-in role`);
    const role = await this.store.insert(fields).catch((error: unknown) => {
      throw isUniqueViolation(error) ? new ConflictError(`role "${fields.name}" already exists`) : error;
    });
    await this.changed('role.created', actor, role.name, { scopes: role.scopes, description: role.description });
    return toRoleResource(role);
  }

  async update(name: string, input: unknown, actor: Actor): Promise<RoleResource> {
    this.assertCustom(name);
    const patch = parseInput(updateRoleSchema, input);
    const role = await this.inTransaction(async (trx) => {
      await this.requireForChange(name, trx);
      return this.store.update(name, patch, trx);
    });
    await this.changed('role.updated', actor, name, { changed: Object.keys(patch), ...patch });
    return toRoleResource(role);
  }

  /** A role some client still has cannot go: those clients would stop getting tokens. */
  async delete(name: string, actor: Actor): Promise<void> {
    this.assertCustom(name);
    await this.inTransaction(async (trx) => {
      await this.requireForChange(name, trx);
      if (await this.clients.existsWithRole(name, trx))
        throw new ConflictError(`role "${name}" is assigned to clients; give them another role first`);
      await this.store.delete(name, trx);
    });
    await this.changed('role.deleted', actor, name);
  }

  /**
   * The role a client is about to get, locked until the caller's transaction ends so it cannot be
   * deleted meanwhile. Built-in roles need no lock: they never go away.
   */
  async lockForAssignment(name: string, trx: Knex.Transaction): Promise<Role> {
    const role =
      BUILT_IN.get(name) ??
      (roleNameSchema.safeParse(name).success ? await this.store.findForAssignment(name, trx) : undefined);
    if (!role) throw ValidationError.field('role', `unknown role "${name}"`);
    return role;
  }

  private assertCustom(name: string): void {
    if (BUILT_IN.has(name))
      throw new ForbiddenError(`"${name}" is a built-in role; built-in roles cannot be changed or deleted`);
  }

  private async requireForChange(name: string, trx: Knex.Transaction): Promise<void> {
    const found = await this.store.findForChange(name, trx);
    if (!found) throw new NotFoundError(`role "${name}" does not exist`);
  }

  /** Every instance's catalog reloads; this one before the request answers, so the change reads back at once. */
  private async changed(
    type: Extract<AuditEventType, `role.${string}`>,
    actor: Actor,
    role: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.changes.publish({ type: 'roles' });
    this.audit.record(adminEvent(type, actor, {}, { role, ...details }));
  }
}

function toRoleResource(role: Role): RoleResource {
  return { name: role.name, scopes: [...role.scopes], description: role.description, built_in: role.builtIn };
}
