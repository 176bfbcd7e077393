/** One bad field of a 400, as the admin API names it (`name`, `ip_allowlist.2`, `scopes.0`). */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/**
 * An RFC 9457 problem from the admin API, or one made up here for what never reached it (a network
 * failure, an OAuth error from the token endpoint), so every page shows errors one way.
 */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: readonly FieldIssue[] = [],
  ) {
    super(detail);
  }

  /** Messages about exactly this field. */
  messagesFor(field: string): string[] {
    return this.errors.filter((issue) => issue.field === field).map((issue) => issue.message);
  }

  /** Issues whose field is none of `shown`: they go into the summary, so none is ever lost. */
  unshown(shown: (field: string) => boolean): FieldIssue[] {
    return this.errors.filter((issue) => !shown(issue.field));
  }
}

export const NETWORK_PROBLEM = new ApiProblem(
  0,
  'Tollgate cannot be reached',
  'The request did not reach the server. Check the connection and retry.',
);

function isProblemBody(body: unknown): body is { title?: unknown; detail?: unknown; errors?: unknown } {
  return typeof body === 'object' && body !== null;
}

/** The problem a failed admin API response describes, whatever its body turns out to be. */
export async function problemOf(response: Response): Promise<ApiProblem> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!isProblemBody(body))
    return new ApiProblem(response.status, response.statusText || `HTTP ${response.status}`, text.slice(0, 500));
  const errors = Array.isArray(body.errors)
    ? body.errors.filter(
        (issue): issue is FieldIssue => typeof issue?.field === 'string' && typeof issue?.message === 'string',
      )
    : [];
  return new ApiProblem(
    response.status,
    typeof body.title === 'string' ? body.title : `HTTP ${response.status}`,
    typeof body.detail === 'string' ? body.detail : '',
    errors,
  );
}
