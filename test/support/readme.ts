import { readFileSync } from 'node:fs';

/**
 * The README's code blocks in `language` of the section "Verifying tokens in a resource server", in order,
 * so tests run the resource-server code the README shows rather than a copy of it.
 */
export function readmeVerifierBlocks(language: 'js' | 'python'): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Verifying tokens in a resource server'));
  return [...section.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(([, code]) => code!);
}
