// Bindings from RxJS observables to Preact state.

import { useEffect, useState } from 'preact/hooks';
import type { Observable } from 'rxjs';

/** useObservable is obs's latest value (initial until it emits); it resubscribes when obs changes. */
export function useObservable<T>(obs: Observable<T> | undefined, initial: T): T {
  const [value, setValue] = useState<T>(initial);
  useEffect(() => {
    if (!obs) {
      return undefined;
    }
    const sub = obs.subscribe((v) => setValue(() => v));
    return () => sub.unsubscribe();
  }, [obs]);
  return value;
}

/** useNow is the time, refreshed every everyMs (for waiting times). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}
