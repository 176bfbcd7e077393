import type { ComponentChildren } from 'preact';
import type { ApiProblem } from '../api/problem';

interface ProblemProps {
  readonly problem: ApiProblem | undefined;
  /** Fields the form shows next to their inputs; issues about any other field are listed here. */
  readonly shownFields?: (field: string) => boolean;
}

/** An API error as its problem details say: title, detail, and whatever fields are not shown in place. */
export function ProblemBanner({ problem, shownFields = () => false }: ProblemProps) {
  if (!problem) return null;
  const unshown = problem.unshown(shownFields);
  const fieldCount = problem.errors.length - unshown.length;
  return (
    <div class="banner banner-error" role="alert">
      <p>
        <strong>{problem.title}</strong>
        {problem.status > 0 && <span class="muted"> ({problem.status})</span>}
      </p>
      {fieldCount > 0 ? (
        <p>Correct the {fieldCount === 1 ? 'field marked' : `${fieldCount} fields marked`} below.</p>
      ) : (
        problem.detail && <p>{problem.detail}</p>
      )}
      {unshown.length > 0 && (
        <ul>
          {unshown.map((issue) => (
            <li key={issue.field + issue.message}>
              <code>{issue.field}</code>: {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({
  children,
  tone = 'success',
}: {
  children: ComponentChildren;
  tone?: 'success' | 'warning' | 'info';
}) {
  return (
    <div class={`banner banner-${tone}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}
