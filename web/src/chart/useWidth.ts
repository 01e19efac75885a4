// The content width of an element, kept up to date as it resizes.
import { useEffect, useState } from "preact/hooks";

export function useWidth(ref: { current: HTMLElement | null }, fallback = 600): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setWidth(Math.round(el.clientWidth) || fallback);
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return width;
}
