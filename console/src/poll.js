import { useCallback, useEffect, useRef, useState } from 'react';

export const POLL_MILLIS = 2000;

/** Loads now and every POLL_MILLIS while mounted; keeps the last good answer through errors. */
export function usePoll(load, deps = [], millis = POLL_MILLIS) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const refresh = useCallback(async () => {
    try {
      const d = await loadRef.current();
      setData(d);
      setError(null);
    } catch (e) {
      if (e.type !== 'SignedOut') setError(e);
    }
  }, []);
  useEffect(() => {
    let stopped = false;
    let timer;
    const tick = async () => {
      await refresh();
      if (!stopped) timer = setTimeout(tick, millis);
    };
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return { data, error, refresh };
}

/** The hash route: #/servers/s-123 → ['servers', 's-123']. */
export function useRoute() {
  const read = () => (window.location.hash.replace(/^#\/?/, '') || 'servers').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(path) {
  window.location.hash = '#/' + path;
}
