import type { IncomingMessage, ServerResponse } from 'node:http';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** One entry of the server's route table. */
export interface HttpRoute {
  /** Matched exactly as sent, without the query: nothing is normalised or decoded. */
  readonly path: string;
  /** Also serves every path below `path/` (a sub-application with routes of its own). */
  readonly prefix?: boolean;
  /** The methods it takes; others get `refuseMethod`. Unset: the handler decides. */
  readonly methods?: readonly string[];
  /** Headers set before the handler runs. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly handle: RequestHandler;
  /** Answers a method not in `methods` (an OAuth error, a problem, ...); it says which are `allowed`. */
  readonly refuseMethod?: (req: IncomingMessage, res: ServerResponse, allowed: readonly string[]) => void;
}

/**
 * The request target's path exactly as sent, without the query. Every path is served under one spelling
 * only, so `/token/`, `/TOKEN`, `//token`, `/token%2F` or an absolute-form `http://host/token` finds no
 * route: never a second way in that audit, limits or a proxy's rules would have to know about.
 */
export function pathOf(url: string | undefined): string {
  const end = url?.indexOf('?') ?? -1;
  return end === -1 ? (url ?? '/') : url!.slice(0, end);
}

/**
 * One request listener for the whole server: exact paths are one map lookup (the token endpoint is the
 * hot path), prefixes are tried in order after them, and a request no route takes goes to `notFound`.
 */
export function routeTable(routes: readonly HttpRoute[], notFound: RequestHandler): RequestHandler {
  const exact = new Map(routes.map((route) => [route.path, route]));
  const prefixed = routes.filter((route) => route.prefix);
  const find = (path: string) => exact.get(path) ?? prefixed.find((route) => path.startsWith(`${route.path}/`));
  return (req, res) => {
    const route = find(pathOf(req.url));
    if (!route) {
      notFound(req, res);
      return;
    }
    if (route.headers) for (const [name, value] of Object.entries(route.headers)) res.setHeader(name, value);
    if (route.methods && !route.methods.includes(req.method ?? '')) {
      const refuse = route.refuseMethod ?? notFound;
      refuse(req, res, route.methods);
      return;
    }
    route.handle(req, res);
  };
}
