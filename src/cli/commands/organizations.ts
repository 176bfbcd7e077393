import { pageQuerySchema } from '../../http/api/pagination.js';
import { parseInput } from '../../x/validation.js';
import type { CliCommand } from '../command.js';
import { renderRecord, renderTable } from '../output.js';

const COLUMNS = ['id', 'name', 'api_enabled', 'created_at'] as const;

export const ORGANIZATION_COMMANDS: readonly CliCommand[] = [
  {
    name: 'organizations create',
    summary: 'create an organization',
    options: {
      name: { type: 'string', description: 'display name, unique' },
      'api-disabled': { type: 'boolean', description: 'create it with the API switched off for its clients' },
    },
    async run(context, { options }) {
      const input = { name: options.name, ...(options['api-disabled'] ? { api_enabled: false } : {}) };
      const created = await (await context.services()).organizations.create(input, context.actor);
      return { data: created, text: renderRecord({ ...created }) };
    },
  },
  {
    name: 'organizations list',
    summary: 'list organizations, oldest first',
    options: {
      limit: { type: 'string', description: 'page size, 1-200 (default 50)' },
      cursor: { type: 'string', description: 'next_cursor from the previous page' },
    },
    async run(context, { options }) {
      const query = parseInput(pageQuerySchema, { limit: options.limit, cursor: options.cursor });
      const page = await (await context.services()).organizations.list(query);
      const more = page.next_cursor ? `\n\nmore: organizations list --cursor ${page.next_cursor}` : '';
      return { data: page, text: renderTable(page.items, COLUMNS) + more };
    },
  },
];
