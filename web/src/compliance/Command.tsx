// A CLI command to copy, shown as code.
import { CopyButton } from "../datasets/CopyButton";

export function Command({ text, label }: { text: string; label?: string }) {
  return (
    <div class="command-line" data-command={label}>
      {label && <span class="muted command-label">{label}</span>}
      <code class="command">{text}</code> <CopyButton text={text} />
    </div>
  );
}
