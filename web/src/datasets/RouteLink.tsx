// A link that moves within the app (history navigation) unless opened in a new tab.
import type { ComponentChildren } from "preact";
import { navigate } from "../router";

export function RouteLink({ href, children, title, class: className }: { href: string; children: ComponentChildren; title?: string; class?: string }) {
  const go = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={go} title={title} class={className}>{children}</a>;
}
