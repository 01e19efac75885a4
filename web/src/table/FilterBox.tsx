// The filter box: a query in the query language, applied on Enter, with field-name
// autocomplete (a listbox; arrows choose, Enter or Tab accept, Escape closes) and the
// server's error shown under it, caret line kept.
import { useEffect, useRef, useState } from "preact/hooks";
import type { JSX } from "preact";
import { complete, suggestions, wordAt } from "./suggest";

interface Props {
  value: string;
  fields: string[];
  error: string | null;
  onApply: (q: string) => void;
}

const LIST_ID = "filter-suggestions";

export function FilterBox({ value, fields, error, onApply }: Props) {
  const [text, setText] = useState(value);
  const [caret, setCaret] = useState(value.length);
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setText(value), [value]);

  const options = open ? suggestions(fields, wordAt(text, caret).word) : [];
  const accept = (field: string) => {
    const next = complete(text, caret, field);
    setText(next.text);
    setCaret(next.caret);
    setOpen(false);
    requestAnimationFrame(() => input.current?.setSelectionRange(next.caret, next.caret));
  };

  const onKeyDown = (event: JSX.TargetedKeyboardEvent<HTMLInputElement>) => {
    if (options.length > 0 && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((i) => (i + step + options.length) % options.length);
    } else if (options.length > 0 && active >= 0 && (event.key === "Enter" || event.key === "Tab")) {
      event.preventDefault();
      accept(options[active]);
    } else if (event.key === "Escape") {
      setOpen(false);
    } else if (event.key === "Enter") {
      event.preventDefault();
      setOpen(false);
      onApply(text.trim());
    }
  };

  const expanded = options.length > 0;
  return (
    <div class="filter">
      <input
        ref={input}
        type="search"
        aria-label="Filter runs"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={LIST_ID}
        aria-activedescendant={expanded && active >= 0 ? `${LIST_ID}-${active}` : undefined}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "filter-error" : undefined}
        placeholder='e.g. metrics.loss.min < 0.1 and params.optimizer = "adam"'
        spellcheck={false}
        autoComplete="off"
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setCaret(e.currentTarget.selectionStart ?? e.currentTarget.value.length);
          setActive(-1);
          setOpen(true);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
      />
      {expanded && (
        <ul id={LIST_ID} role="listbox" aria-label="Field suggestions" class="suggestions">
          {options.map((field, i) => (
            <li
              key={field}
              id={`${LIST_ID}-${i}`}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => { e.preventDefault(); accept(field); }}
            >
              {field}
            </li>
          ))}
        </ul>
      )}
      {error && <pre id="filter-error" class="error filter-error" role="alert">{error}</pre>}
    </div>
  );
}
