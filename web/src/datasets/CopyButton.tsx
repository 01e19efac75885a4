// A small button that copies a text (a digest, a model URI) to the clipboard.
import { useState } from "preact/hooks";

export function CopyButton({ text, label = "copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  const copy = () => {
    const write = navigator.clipboard?.writeText(text) ?? Promise.reject(new Error("no clipboard"));
    write.then(() => {
      setDone(true);
      setTimeout(() => setDone(false), 1200);
    }, () => window.prompt("Copy:", text));
  };
  return (
    <button type="button" class="copy" title={`Copy ${text}`} aria-label={`Copy ${text}`} onClick={copy}>
      {done ? "copied" : label}
    </button>
  );
}
