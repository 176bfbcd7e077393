import { VARIABLES } from './variables.js';

/** The README's configuration table, written from the one list of variables so the two cannot disagree. */
export function configurationTable(): string {
  const rows = Object.values(VARIABLES).map(
    (spec) => `| \`${spec.name}\` | ${spec.defaultText} | ${spec.description} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
