import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';

interface PageProps {
  readonly title: string;
  /** Shown beside the heading: the page's main actions. */
  readonly actions?: ComponentChildren;
  readonly children: ComponentChildren;
}

/**
 * One console page. On arrival the heading takes focus, so keyboard and screen-reader users start at
 * the new page's top instead of somewhere in the old one. A layout effect, so focus lands in the same
 * commit that shows the heading: a Tab pressed as soon as the page appears starts from the heading.
 */
export function Page({ title, actions, children }: PageProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => {
    document.title = `${title} · Tollgate console`;
    heading.current?.focus();
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <div class="page-header">
        <h1 id="page-title" ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {actions && <div class="actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

interface PagerProps {
  readonly page: number;
  readonly hasNext: boolean;
  readonly onPrevious: () => void;
  readonly onNext: () => void;
  readonly label: string;
}

/** Previous/next over the API's cursors; the page number is only for orientation. */
export function Pager({ page, hasNext, onPrevious, onNext, label }: PagerProps) {
  if (page === 1 && !hasNext) return null;
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" class="button" onClick={onPrevious} disabled={page === 1}>
        Previous page
      </button>
      <span>Page {page}</span>
      <button type="button" class="button" onClick={onNext} disabled={!hasNext}>
        Next page
      </button>
    </nav>
  );
}

interface ResultCountProps {
  readonly loading: boolean;
  readonly count: number;
  /** Singular and plural, e.g. ['client', 'clients']. */
  readonly noun: readonly [string, string];
  readonly page: number;
  readonly more: boolean;
  readonly empty: string;
}

/** What a list shows right now, announced politely to screen readers as it changes. */
export function ResultCount({ loading, count, noun, page, more, empty }: ResultCountProps) {
  const text = loading
    ? 'Loading…'
    : count === 0
      ? empty
      : `Showing ${count} ${count === 1 ? noun[0] : noun[1]}${more || page > 1 ? ` on page ${page}` : ''}.`;
  return (
    <p class="result-count" role="status" aria-live="polite">
      {text}
    </p>
  );
}
