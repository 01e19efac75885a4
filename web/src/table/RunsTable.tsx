// The virtualised runs table: sortable headers, selection checkboxes, group header
// rows, and keyboard movement (arrows move, Enter opens, Space selects).
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { JSX } from "preact";
import type { Run } from "../api";
import { navigate } from "../router";
import { fieldValue, parseField } from "./fields";
import { formatNumber, formatValue } from "./format";
import type { RunGroup } from "./grouping";
import { nextRunRow, type Row } from "./rows";
import { sortDirection } from "./view";
import { rowWindow, scrollToRow } from "./virtual";

export const ROW_HEIGHT = 32;
const FALLBACK_VIEWPORT = 800; // before layout (and in jsdom, which has none)

interface Props {
  rows: Row[];
  columns: string[];
  order: string[];
  groupBy: string;
  selected: Set<string>;
  onSort: (column: string) => void;
  onToggle: (id: string) => void;
  /** Select every listed run (true) or none (false). */
  onToggleAll: (all: boolean) => void;
  resetKey: string; // a change (another search or grouping) scrolls back to the top
}

function openRun(id: string) {
  navigate(`/runs/${encodeURIComponent(id)}`);
}

function RunCell({ run, column }: { run: Run; column: string }) {
  if (column === "name") {
    const href = `/runs/${encodeURIComponent(run.id)}`;
    return (
      <td data-column="name">
        <a href={href} tabIndex={-1} onClick={(e) => { e.preventDefault(); openRun(run.id); }}>{run.name}</a>
      </td>
    );
  }
  const field = parseField(column);
  const text = field ? formatValue(column, fieldValue(run, field)) : "";
  const cls = column === "status" ? `status ${run.status}` : undefined;
  return <td data-column={column} class={cls} title={text}>{text}</td>;
}

function GroupCells({ group, columns, groupBy }: { group: RunGroup; columns: string[]; groupBy: string }) {
  return (
    <>
      {columns.map((column, i) => {
        const agg = group.aggregates[column];
        if (i === 0) {
          const label = `${groupBy} = ${group.value || "(none)"} · ${group.runs.length} runs`;
          return <td data-column={column} title={label}>{label}</td>;
        }
        if (!agg) return <td data-column={column} />;
        const text = `μ ${formatNumber(agg.mean)} [${formatNumber(agg.min)}, ${formatNumber(agg.max)}]`;
        return <td data-column={column} title={`mean ${agg.mean}, min ${agg.min}, max ${agg.max}`}>{text}</td>;
      })}
    </>
  );
}

/** Stands in for the rows not rendered, so the scrollbar stays true. */
function Spacer({ height, span }: { height: number; span: number }) {
  return <tr class="spacer" aria-hidden="true"><td colSpan={span} style={{ height: `${height}px` }} /></tr>;
}

function useViewport(ref: { current: HTMLDivElement | null }) {
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(FALLBACK_VIEWPORT);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || FALLBACK_VIEWPORT);
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { scrollTop, height, onScroll: () => setScrollTop(ref.current?.scrollTop ?? 0) };
}

export function RunsTable({ rows, columns, order, groupBy, selected, onSort, onToggle, onToggleAll, resetKey }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const { scrollTop, height, onScroll } = useViewport(scroller);
  const runCount = rows.filter((row) => row.kind === "run").length;
  const [focus, setFocusState] = useState(-1);
  const focusRef = useRef(-1);
  const setFocus = (index: number) => {
    focusRef.current = index;
    setFocusState(index);
  };
  const moved = useRef(false);
  const win = rowWindow(scrollTop, height, ROW_HEIGHT, rows.length);

  useLayoutEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    onScroll();
    setFocus(-1);
  }, [resetKey]);

  // Focus follows the keyboard only (not renders); layout effect so that fast key
  // repeat lands on the row just moved to.
  useLayoutEffect(() => {
    const row = moved.current && scroller.current?.querySelector<HTMLElement>(`tr[data-index="${focus}"]`);
    if (!row) return; // not moved, or not rendered until the scroll lands
    moved.current = false;
    row.focus();
  }, [focus, win.start]);

  const onKeyDown = (event: JSX.TargetedKeyboardEvent<HTMLTableSectionElement>) => {
    const tr = event.target as HTMLElement;
    if (tr.tagName !== "TR" || !tr.dataset.index) return;
    // The row moved to last, which may not hold the DOM focus yet under key repeat.
    const index = focusRef.current >= 0 && focusRef.current < rows.length ? focusRef.current : Number(tr.dataset.index);
    const row = rows[index];
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = nextRunRow(rows, index, event.key === "ArrowDown" ? 1 : -1);
      const el = scroller.current;
      if (el) el.scrollTop = scrollToRow(next, el.scrollTop, el.clientHeight || height, ROW_HEIGHT, ROW_HEIGHT);
      moved.current = true;
      setFocus(next);
    } else if (row?.kind === "run" && event.key === "Enter") {
      event.preventDefault();
      openRun(row.run.id);
    } else if (row?.kind === "run" && event.key === " ") {
      event.preventDefault();
      onToggle(row.run.id);
    }
  };

  const firstRun = rows.findIndex((row) => row.kind === "run");
  const tabStop = focus >= 0 && focus < rows.length ? focus : firstRun;
  return (
    <div class="runs-scroll" ref={scroller} onScroll={onScroll}>
      <table class="runs" aria-rowcount={rows.length + 1}>
        <thead>
          <tr>
            <th class="select">
              <input
                type="checkbox"
                aria-label="select all runs"
                checked={runCount > 0 && selected.size >= runCount}
                onChange={(e) => onToggleAll(e.currentTarget.checked)}
              />
            </th>
            {columns.map((column) => (
              <th key={column} data-column={column} aria-sort={sortDirection(order, column)} onClick={() => onSort(column)}>
                <button type="button" class="sort" title={`sort by ${column}`}>{column}</button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody onKeyDown={onKeyDown}>
          {win.padTop > 0 && <Spacer height={win.padTop} span={columns.length + 1} />}
          {rows.slice(win.start, win.end).map((row, offset) => {
            const index = win.start + offset;
            const common = { "data-index": index, tabIndex: index === tabStop ? 0 : -1, onFocus: () => setFocus(index) };
            if (row.kind === "group") {
              return (
                <tr key={`g:${row.group.value}`} class="group-row" data-group={row.group.value} {...common}>
                  <td class="select" />
                  <GroupCells group={row.group} columns={columns} groupBy={groupBy} />
                </tr>
              );
            }
            const { run } = row;
            const isSelected = selected.has(run.id);
            return (
              <tr key={run.id} data-run-id={run.id} aria-selected={isSelected} class={isSelected ? "selected" : undefined} {...common}>
                <td class="select">
                  <input type="checkbox" tabIndex={-1} aria-label={`select run ${run.name}`} checked={isSelected} onChange={() => onToggle(run.id)} />
                </td>
                {columns.map((column) => <RunCell key={column} run={run} column={column} />)}
              </tr>
            );
          })}
          {win.padBottom > 0 && <Spacer height={win.padBottom} span={columns.length + 1} />}
        </tbody>
      </table>
    </div>
  );
}
