// Field-name autocomplete for the filter box: the word being typed at the caret and
// the known fields that start with (or else contain) it.

/** The field-like word that ends at *caret*: its start offset and text. */
export function wordAt(text: string, caret: number): { start: number; word: string } {
  const before = text.slice(0, caret);
  const match = before.match(/[A-Za-z_][A-Za-z0-9_.\-/]*$/);
  if (!match) return { start: caret, word: "" };
  return { start: caret - match[0].length, word: match[0] };
}

const KEYWORDS = new Set(["and", "or", "not", "in", "is", "null", "true", "false"]);

/** Up to *limit* of *fields* that complete *word*: prefix matches first, then others containing it. */
export function suggestions(fields: string[], word: string, limit = 12): string[] {
  if (!word || KEYWORDS.has(word.toLowerCase())) return [];
  const lower = word.toLowerCase();
  const prefix = fields.filter((f) => f.toLowerCase().startsWith(lower) && f !== word);
  const inside = fields.filter((f) => !f.toLowerCase().startsWith(lower) && f.toLowerCase().includes(lower));
  return [...prefix, ...inside].slice(0, limit);
}

/** *text* with the word at *caret* replaced by *field*; returns the new text and caret. */
export function complete(text: string, caret: number, field: string): { text: string; caret: number } {
  const { start } = wordAt(text, caret);
  const next = text.slice(0, start) + field + text.slice(caret);
  return { text: next, caret: start + field.length };
}
