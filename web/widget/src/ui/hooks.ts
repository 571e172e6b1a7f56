// useObservable binds an RxJS observable to a Preact component's state and
// unsubscribes when the component goes or the observable changes.

import { useEffect, useState } from 'preact/hooks';
import type { Observable } from 'rxjs';

export function useObservable<T>(source: Observable<T>, initial: T): T {
  const [value, setValue] = useState<T>(initial);
  useEffect(() => {
    const sub = source.subscribe(setValue);
    return () => sub.unsubscribe();
  }, [source]);
  return value;
}
