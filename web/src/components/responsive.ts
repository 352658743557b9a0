import type { ColumnsType } from "antd/es/table";
import { useSyncExternalStore } from "react";

/**
 * Phone-first: below Ant Design's `md` breakpoint (768 px) the console lays screens out for a phone
 * held upright (390×844 is the reference): cards instead of wide tables, labels over values, the
 * menu in a drawer. Read synchronously from matchMedia, so the first render is already right.
 */
export const PHONE_QUERY = "(max-width: 767.98px)";

function subscribe(onChange: () => void) {
  if (typeof window === "undefined" || !window.matchMedia) return () => undefined;
  const mq = window.matchMedia(PHONE_QUERY);
  mq.addEventListener("change", onChange);
  return () => mq.removeEventListener("change", onChange);
}

const snapshot = () =>
  typeof window !== "undefined" && window.matchMedia ? window.matchMedia(PHONE_QUERY).matches : false;

export const useIsPhone = () => useSyncExternalStore(subscribe, snapshot, () => false);

/**
 * Columns for a table that stacks on a phone (CSS class `kh-stack`, see global.css): every cell
 * carries its column's title, shown before the value once the header row is hidden.
 */
export function stacked<T>(columns: ColumnsType<T>): ColumnsType<T> {
  return columns.map((c) => {
    const label = typeof c.title === "string" ? c.title : "";
    const base = "onCell" in c ? c.onCell : undefined;
    return {
      ...c,
      onCell: (record: T, index?: number) =>
        ({ ...(base?.(record, index) ?? {}), "data-label": label }) as React.HTMLAttributes<HTMLElement>,
    };
  }) as ColumnsType<T>;
}
