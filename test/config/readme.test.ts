import { readFileSync } from 'node:fs';
import { configurationTable } from '../../src/config/table.js';

describe('README', () => {
  it('documents every environment variable exactly as the server reads it (regenerate with `npm run docs:config`)', () => {
    expect(readFileSync('README.md', 'utf8')).toContain(configurationTable());
  });

  it('shows the test command that .ci/run runs', () => {
    expect(readFileSync('README.md', 'utf8')).toContain('npm ci && npm test');
    expect(readFileSync('.ci/run', 'utf8')).toContain('npm ci && npm test');
  });
});
