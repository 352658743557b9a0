import { useCallback, useEffect, useState } from "react";
import { onLock } from "../../auth/idle.ts";
import { addRevealed, sweep, type Revealed } from "./reveal.ts";

/**
 * Revealed values for one client page: in state only, masked again after 60 s, wiped when the page
 * is left or hidden (another tab, a locked screen), and when the console locks after inactivity.
 */
export function useRevealed() {
  const [state, setState] = useState<Revealed>({});
  const [now, setNow] = useState(() => Date.now());
  const active = Object.keys(state).length > 0;

  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      const t = Date.now();
      setNow(t);
      setState((s) => sweep(s, t));
    }, 250);
    return () => clearInterval(timer);
  }, [active]);

  useEffect(() => {
    const hide = () => {
      if (document.visibilityState === "hidden") setState({});
    };
    document.addEventListener("visibilitychange", hide);
    return () => document.removeEventListener("visibilitychange", hide);
  }, []);

  useEffect(() => onLock(() => setState({})), []);

  const add = useCallback((values: Record<string, string | number>) => {
    const t = Date.now();
    setNow(t);
    setState((s) => addRevealed(s, values, t));
  }, []);
  const hide = useCallback((field?: string) => {
    setState((s) => {
      if (!field) return {};
      const { [field]: _gone, ...rest } = s;
      return rest;
    });
  }, []);
  return { revealed: state, now, add, hide };
}
