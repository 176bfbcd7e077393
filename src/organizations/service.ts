import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { adminEvent } from '../audit/admin-event.js';
import type { AuditTrail } from '../audit/event.js';
import { isUniqueViolation } from '../db/errors.js';
import { SEQ_CURSOR } from '../db/paging.js';
import type { Transactional } from '../db/transaction.js';
import type { PageQuery } from '../http/api/pagination.js';
import type { ChangeFeed } from '../sync/change-feed.js';
import { type Actor, isOrganizationScoped } from '../x/actor.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../x/errors.js';
import { parseInput } from '../x/validation.js';
import {
  createOrganizationSchema,
  type OrganizationPage,
  type OrganizationResource,
  updateOrganizationSchema,
} from './schemas.js';
import type { OrganizationStore } from './store.js';
import { type Organization, toOrganizationResource } from './types.js';

/** A client deleted with its organization. */
interface DeletedMember {
  readonly clientId: string;
  readonly organizationId: string | null;
}

/**
 * What deleting an organization needs of its clients (clients/ implements it): they are deleted in the
 * organization's transaction, then, once committed, forgotten by caches, audited and their tokens revoked.
 */
export interface OrganizationMembers {
  deleteAllOfOrganization(organizationId: string, trx: Knex.Transaction): Promise<DeletedMember[]>;
  finishDeletion(deleted: readonly DeletedMember[], actor: Actor, details?: Record<string, unknown>): Promise<void>;
}

/** Recognisable in logs and tokens (`org_id`), like client ids. */
function generateOrganizationId(): string {
  return `org_${randomBytes(12).toString('hex')}`;
}

/**
 * The rules for organizations. Platform admins manage them all (the routes require it for create, list
 * and delete); an org-admin may read its own organization and switch its API on or off, nothing more.
 */
export class OrganizationService {
  constructor(
    private readonly store: OrganizationStore,
    private readonly clients: OrganizationMembers,
    private readonly inTransaction: Transactional,
    private readonly changes: ChangeFeed,
    private readonly audit: AuditTrail,
  ) {}

  async create(input: unknown, actor: Actor): Promise<OrganizationResource> {
    const fields = parseInput(createOrganizationSchema, input);
    const record = await this.store
      .insert({ id: generateOrganizationId(), name: fields.name, apiEnabled: fields.api_enabled })
      .catch((error: unknown) => {
        throw isUniqueViolation(error)
          ? new ConflictError(`an organization named "${fields.name}" already exists`)
          : error;
      });
    await this.changes.publish({ type: 'organization', organizationId: record.id });
    this.audit.record(
      adminEvent(
        'organization.created',
        actor,
        { organizationId: record.id },
        { name: record.name, api_enabled: record.apiEnabled },
      ),
    );
    return toOrganizationResource(record);
  }

  async list({ limit, cursor }: PageQuery): Promise<OrganizationPage> {
    const page = await this.store.page({ limit, after: SEQ_CURSOR.decode(cursor) });
    return SEQ_CURSOR.listPage(page, toOrganizationResource);
  }

  async get(id: string, actor: Actor): Promise<OrganizationResource> {
    return toOrganizationResource(await this.requireVisible(id, actor));
  }

  async update(id: string, input: unknown, actor: Actor): Promise<OrganizationResource> {
    const patch = parseInput(updateOrganizationSchema, input);
    await this.requireVisible(id, actor);
    if (isOrganizationScoped(actor) && patch.name !== undefined)
      throw new ForbiddenError("an org-admin may switch its organization's API on or off, not rename it");
    const updated = await this.store
      .update(id, { name: patch.name, apiEnabled: patch.api_enabled })
      .catch((error: unknown) => {
        throw isUniqueViolation(error)
          ? new ConflictError(`an organization named "${patch.name}" already exists`)
          : error;
      });
    if (!updated) throw new NotFoundError(`organization ${id} does not exist`);
    await this.changes.publish({ type: 'organization', organizationId: id });
    this.audit.record(
      adminEvent('organization.updated', actor, { organizationId: id }, { changed: Object.keys(patch), ...patch }),
    );
    return toOrganizationResource(updated);
  }

  /** Its clients go with it, in the same transaction; then their tokens are revoked. */
  async delete(id: string, actor: Actor): Promise<void> {
    const deleted = await this.inTransaction(async (trx) => {
      if (!(await this.store.lockForDeletion(id, trx))) {
        throw new NotFoundError(`organization ${id} does not exist`);
      }
      const clients = await this.clients.deleteAllOfOrganization(id, trx);
      await this.store.delete(id, trx);
      return clients;
    });
    await this.changes.publish({ type: 'organization', organizationId: id });
    this.audit.record(
      adminEvent('organization.deleted', actor, { organizationId: id }, { deleted_clients: deleted.length }),
    );
    await this.clients.finishDeletion(deleted, actor, { reason: 'organization_deleted' });
  }

  /** An org-admin sees its own organization only; any other answers 404, as if it did not exist. */
  private async requireVisible(id: string, actor: Actor): Promise<Organization> {
    const visible = !isOrganizationScoped(actor) || actor.organizationId === id;
    const record = visible ? await this.store.find(id) : undefined;
    if (!record) throw new NotFoundError(`organization ${id} does not exist`);
    return record;
  }
}
