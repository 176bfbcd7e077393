import { type ClientResource, clientListQuerySchema, clientPathSchema } from '../../clients/schemas.js';
import { parseInput } from '../../x/validation.js';
import type { CliCommand, CommandInput, OptionSpec } from '../command.js';
import { renderRecord, renderTable } from '../output.js';

/** Options named after the API's fields (`--ip-allowlist` is `ip_allowlist`), so the service validates them. */
const FIELD_OPTIONS: Record<string, OptionSpec> = {
  name: { type: 'string', description: 'display name' },
  role: { type: 'string', description: 'role name, e.g. admin, analyst, read-only, or a custom role' },
  'organization-id': {
    type: 'string',
    description: 'the organization the client belongs to; "" for a platform client (the default)',
  },
  'ip-allowlist': {
    type: 'string',
    description: 'comma-separated IP addresses or CIDRs allowed to get tokens; "" allows all',
  },
  status: { type: 'string', description: 'active or inactive' },
  note: { type: 'string', description: 'free text' },
  'token-endpoint-auth-method': {
    type: 'string',
    description: 'client_secret_basic (the default), client_secret_post, or private_key_jwt (no secret)',
  },
  jwks: { type: 'string', description: "private_key_jwt: the client's public JWK Set, as JSON" },
  'jwks-uri': { type: 'string', description: 'private_key_jwt: where the JWK Set is fetched (https); "" for none' },
  'federated-credentials': {
    type: 'string',
    description: 'private_key_jwt: JSON array of {issuer, subject, audience?, claims?, jwks_uri?}',
  },
};

/** The `<client_id>` argument, checked as the API checks the path parameter. */
function clientIdOf(positionals: readonly string[]): string {
  return parseInput(clientPathSchema, { client_id: positionals[0] }).client_id;
}

const LIST_COLUMNS = ['client_id', 'name', 'role', 'organization_id', 'status', 'last_used_at'] as const;

/** Options whose API field is not a string. */
const FIELD_VALUES: Record<string, (value: string) => unknown> = {
  'ip-allowlist': (value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  'organization-id': (value) => (value === '' ? null : value),
  'jwks-uri': (value) => (value === '' ? null : value),
  jwks: jsonOrText,
  'federated-credentials': jsonOrText,
};

/** JSON as the API would carry it; anything else goes through as text, for the service to refuse. */
function jsonOrText(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The API request body the given options stand for; absent options are absent fields. */
function fieldsFrom(options: CommandInput['options']): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const option of Object.keys(FIELD_OPTIONS)) {
    const value = options[option];
    if (typeof value !== 'string') continue;
    fields[option.replace(/-/g, '_')] = FIELD_VALUES[option]?.(value) ?? value;
  }
  return fields;
}

/** A number as the API's JSON would carry it; anything else goes through as text, for the service to refuse. */
function numeric(text: string | boolean | undefined): unknown {
  return typeof text === 'string' && /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
}

const SHOWN_ONCE = 'The client_secret is shown this once: store it now (rotate it if lost).';

function shown(client: ClientResource): { data: ClientResource; text: string } {
  return { data: client, text: renderRecord({ ...client }) };
}

export const CLIENT_COMMANDS: readonly CliCommand[] = [
  {
    name: 'clients create',
    summary: 'create a client and print its secret, once',
    options: FIELD_OPTIONS,
    async run(context, { options }) {
      const created = await (await context.clients()).create(fieldsFrom(options), context.actor);
      return {
        data: created,
        text:
          created.client_secret === undefined
            ? renderRecord({ ...created })
            : `${renderRecord({ ...created })}\n\n${SHOWN_ONCE}`,
      };
    },
  },
  {
    name: 'clients list',
    summary: 'list clients, newest first',
    options: {
      limit: { type: 'string', description: 'page size, 1-200 (default 50)' },
      cursor: { type: 'string', description: 'next_cursor from the previous page' },
      'organization-id': { type: 'string', description: "only this organization's clients" },
    },
    async run(context, { options }) {
      const query = parseInput(clientListQuerySchema, {
        limit: options.limit,
        cursor: options.cursor,
        organization_id: options['organization-id'],
      });
      const page = await (await context.clients()).list(query, context.actor);
      const more = page.next_cursor ? `\n\nmore: clients list --cursor ${page.next_cursor}` : '';
      return { data: page, text: renderTable(page.items as unknown as Record<string, unknown>[], LIST_COLUMNS) + more };
    },
  },
  {
    name: 'clients get',
    summary: 'show one client',
    args: ['<client_id>'],
    async run(context, { positionals }) {
      return shown(await (await context.clients()).get(clientIdOf(positionals), context.actor));
    },
  },
  {
    name: 'clients update',
    summary: 'change the given fields of a client',
    args: ['<client_id>'],
    options: FIELD_OPTIONS,
    async run(context, { positionals, options }) {
      return shown(await (await context.clients()).update(clientIdOf(positionals), fieldsFrom(options), context.actor));
    },
  },
  {
    name: 'clients delete',
    summary: 'delete a client and revoke its tokens',
    args: ['<client_id>'],
    async run(context, { positionals }) {
      const clientId = clientIdOf(positionals);
      await (await context.clients()).delete(clientId, context.actor);
      return { data: { deleted: clientId }, text: `deleted client ${clientId}` };
    },
  },
  {
    name: 'clients rotate-secret',
    summary: 'issue a new secret and print it, once; tokens already issued stay valid',
    args: ['<client_id>'],
    options: {
      'grace-period-seconds': {
        type: 'string',
        description: 'how long the previous secret keeps working (default 0: it stops at once)',
      },
    },
    async run(context, { positionals, options }) {
      const grace = options['grace-period-seconds'];
      const input = grace === undefined ? {} : { grace_period_seconds: numeric(grace) };
      const rotated = await (await context.clients()).rotateSecret(clientIdOf(positionals), input, context.actor);
      return { data: rotated, text: `${renderRecord({ ...rotated })}\n\n${SHOWN_ONCE}` };
    },
  },
];
