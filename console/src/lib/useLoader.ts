import { useCallback, useEffect, useRef, useState } from 'react';

export interface Loader<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again; settles once the new data (or error) is in. */
  reload: () => Promise<void>;
  /** Replaces the data with what a successful change returned, without loading again. */
  set: (value: T) => void;
}

/** Runs `load` on mount and whenever it changes (wrap it in useCallback); ignores stale responses. */
export function useLoader<T>(load: () => Promise<T>): Loader<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);

  const run = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    setError(null);
    return load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, [load]);

  useEffect(() => {
    run();
    return () => {
      generation.current++;
    };
  }, [run]);

  const set = useCallback((value: T) => {
    generation.current++; // a load still in flight would bring back the state from before the change
    setData(value);
    setError(null);
    setLoading(false);
  }, []);

  return { data, error, loading, reload: run, set };
}
