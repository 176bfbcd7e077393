import { useId, useState } from 'preact/hooks';
// The server's own rule (ipaddr.js, strict four-part IPv4), so the page accepts exactly what the API will.
import { normalizeAllowlistEntry } from '../../../src/x/ip-ranges.js';
import type { ApiProblem } from '../api/problem';
import { RadioGroup } from './fields';

export interface Allowlist {
  readonly restricted: boolean;
  readonly entries: readonly string[];
}

export function allowlistOf(entries: readonly string[]): Allowlist {
  return { restricted: entries.length > 0, entries: entries.length > 0 ? entries : [''] };
}

/** What goes to the API: an empty list allows any address. */
export function allowlistValue(allowlist: Allowlist): string[] {
  return allowlist.restricted ? allowlist.entries.map((entry) => entry.trim()) : [];
}

/** The problem with one entry as typed, or null when the API will take it. */
function entryProblem(entry: string): string | null {
  if (!entry.trim()) return 'Enter an IPv4/IPv6 address or a CIDR range, or remove this line';
  return normalizeAllowlistEntry(entry) === null ? `"${entry.trim()}" is not an IPv4/IPv6 address or CIDR` : null;
}

/** Every problem the page can find before asking the API, keyed like the API's fields (`ip_allowlist.1`). */
export function allowlistProblems(allowlist: Allowlist): Map<string, string> {
  const problems = new Map<string, string>();
  if (!allowlist.restricted) return problems;
  allowlist.entries.forEach((entry, index) => {
    const problem = entryProblem(entry);
    if (problem) problems.set(`ip_allowlist.${index}`, problem);
  });
  return problems;
}

export function isAllowlistField(field: string): boolean {
  return field === 'ip_allowlist' || field.startsWith('ip_allowlist.');
}

interface EditorProps {
  readonly value: Allowlist;
  readonly onChange: (value: Allowlist) => void;
  /** Set once the administrator tried to save: every entry's problem shows, not only visited ones. */
  readonly showAll: boolean;
  readonly problem: ApiProblem | undefined;
}

/**
 * IP restriction, as the products it is modelled on offer it: any address, or only listed addresses
 * and ranges. Each entry is checked as soon as it is left, and the API's own verdicts appear next to
 * the entry they name.
 */
export function AllowlistEditor({ value, onChange, showAll, problem }: EditorProps) {
  const id = useId();
  const [visited, setVisited] = useState<ReadonlySet<number>>(new Set());
  const setEntries = (entries: string[]) => onChange({ ...value, entries });
  const listErrors = problem?.messagesFor('ip_allowlist') ?? [];
  return (
    <div class="allowlist">
      <RadioGroup
        legend="IP restriction"
        name={`${id}-mode`}
        value={value.restricted ? 'restricted' : 'any'}
        onValue={(mode) => onChange({ ...value, restricted: mode === 'restricted' })}
        choices={[
          { value: 'any', label: 'Any address', hint: 'tokens may be requested from anywhere' },
          {
            value: 'restricted',
            label: 'Only these addresses',
            hint: 'IPv4/IPv6 addresses or CIDR ranges, e.g. 10.0.0.0/8',
          },
        ]}
        errors={listErrors}
      />
      {value.restricted && (
        <ol class="allowlist-entries">
          {value.entries.map((entry, index) => {
            const inputId = `${id}-entry-${index}`;
            const local = visited.has(index) || showAll ? entryProblem(entry) : null;
            const errors = [...(local ? [local] : []), ...(problem?.messagesFor(`ip_allowlist.${index}`) ?? [])];
            const normalized = !local && entry.trim() ? normalizeAllowlistEntry(entry) : null;
            const canonical = normalized !== null && normalized !== entry.trim() ? normalized : null;
            return (
              <li key={index} class={`field${errors.length ? ' field-invalid' : ''}`}>
                <label for={inputId}>Address or range {index + 1}</label>
                <div class="entry-row">
                  <input
                    id={inputId}
                    class="mono"
                    value={entry}
                    inputMode="text"
                    autoComplete="off"
                    spellcheck={false}
                    aria-invalid={errors.length > 0 || undefined}
                    aria-describedby={errors.length > 0 || canonical ? `${inputId}-note` : undefined}
                    onInput={(event) =>
                      setEntries(value.entries.map((old, i) => (i === index ? event.currentTarget.value : old)))
                    }
                    onBlur={(event) => {
                      // Leaving for a button of the form (Create, Add, Remove) shows nothing yet: a message
                      // appearing now would move the button away before the click lands. Its own click decides.
                      if (!(event.relatedTarget instanceof HTMLButtonElement)) setVisited(new Set(visited).add(index));
                    }}
                  />
                  <button
                    type="button"
                    class="button"
                    aria-label={`Remove address or range ${index + 1}`}
                    disabled={value.entries.length === 1}
                    onClick={() => {
                      setEntries(value.entries.filter((_, i) => i !== index));
                      setVisited(new Set());
                    }}
                  >
                    Remove
                  </button>
                </div>
                {errors.length > 0 ? (
                  <p id={`${inputId}-note`} class="field-error">
                    {errors.join('; ')}
                  </p>
                ) : (
                  canonical && (
                    <p id={`${inputId}-note`} class="hint">
                      Stored as <code>{canonical}</code>
                    </p>
                  )
                )}
              </li>
            );
          })}
        </ol>
      )}
      {value.restricted && (
        <button type="button" class="button" onClick={() => setEntries([...value.entries, ''])}>
          Add an address or range
        </button>
      )}
    </div>
  );
}
