import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem } from '../api/problem';

function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  return new ApiProblem(0, 'Something went wrong', error instanceof Error ? error.message : String(error));
}

export interface Loaded<T> {
  readonly value: T | undefined;
  readonly problem: ApiProblem | undefined;
  readonly loading: boolean;
  /** Loads again; resolves once the page shows the result (or its problem). */
  readonly reload: () => Promise<void>;
}

/** Loads on mount and whenever `deps` change; a slower earlier load never overwrites a later one. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ value?: T; problem?: ApiProblem; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const waiting = useRef<(() => void)[]>([]);
  useEffect(() => {
    const call = ++latest.current;
    setState((previous) => ({ ...previous, loading: true }));
    const settle = (next: { value?: T; problem?: ApiProblem }) => {
      if (call !== latest.current) return;
      setState({ ...next, loading: false });
      for (const resolve of waiting.current.splice(0)) resolve();
    };
    load().then(
      (value) => settle({ value }),
      (error: unknown) => settle({ problem: asProblem(error) }),
    );
  }, [...deps, generation]);
  const reload = useCallback(
    () =>
      new Promise<void>((resolve) => {
        waiting.current.push(resolve);
        setGeneration((n) => n + 1);
      }),
    [],
  );
  return { value: state.value, problem: state.problem, loading: state.loading, reload };
}

export interface Action {
  readonly busy: boolean;
  readonly problem: ApiProblem | undefined;
  /** Runs `task` unless one is running; its failure becomes `problem`. Resolves to whether it succeeded. */
  run(task: () => Promise<unknown>): Promise<boolean>;
  clear(): void;
}

/** One user action at a time (a form submit, a confirmation), with its progress and its problem. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ApiProblem>();
  const running = useRef(false);
  const run = useCallback(async (task: () => Promise<unknown>) => {
    if (running.current) return false;
    running.current = true;
    setBusy(true);
    setProblem(undefined);
    try {
      await task();
      return true;
    } catch (error) {
      setProblem(asProblem(error));
      return false;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setProblem(undefined), []);
  return { busy, problem, run, clear };
}
