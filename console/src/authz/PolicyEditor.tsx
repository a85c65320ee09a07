import { type Ref, useImperativeHandle, useMemo, useRef, useState } from 'react';
import type { FieldError } from '../api';
import { cx } from '../lib/cx';

export interface PolicyEditorHandle {
  /** Puts the caret at a 1-based line and column, scrolled into view. */
  goTo: (line: number, column: number) => void;
}

export interface PolicyEditorProps {
  value: string;
  onChange: (text: string) => void;
  readOnly: boolean;
  /** The server's problems with the text; those with a line mark it. */
  problems: readonly FieldError[];
  label: string;
  ref?: Ref<PolicyEditorHandle>;
}

/** Offset in `text` of a 1-based line and column. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const end = text.indexOf('\n', offset);
  const lineLength = (end < 0 ? text.length : end) - offset;
  return offset + Math.min(Math.max(column - 1, 0), lineLength);
}

/**
 * A plain monospace editor for Cedar: a textarea with line numbers, the lines the server found problems on
 * marked in the gutter and behind the text. No wrapping, so a line number always faces its line.
 */
export function PolicyEditor({ value, onChange, readOnly, problems, label, ref }: PolicyEditorProps) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const lines = useMemo(() => value.split('\n').length, [value]);
  const marked = useMemo(() => {
    const byLine = new Map<number, string[]>();
    for (const p of problems) {
      if (p.line === undefined) continue;
      byLine.set(p.line, [...(byLine.get(p.line) ?? []), p.message]);
    }
    return byLine;
  }, [problems]);

  useImperativeHandle(ref, () => ({
    goTo(line, column) {
      const el = area.current;
      if (!el) return;
      const at = offsetOf(el.value, line, column);
      el.focus();
      el.setSelectionRange(at, at);
      // Bring the line into view: the caret move alone does not scroll a textarea everywhere.
      const lineHeight = Number.parseFloat(getComputedStyle(el).lineHeight) || 20;
      const top = (line - 1) * lineHeight;
      if (top < el.scrollTop || top > el.scrollTop + el.clientHeight - lineHeight * 2) {
        el.scrollTop = Math.max(0, top - el.clientHeight / 3);
      }
    },
  }));

  const numbers = Array.from({ length: lines }, (_, i) => i + 1);
  return (
    <div className={cx('policy-editor', readOnly && 'policy-editor-readonly')} data-testid="policy-editor">
      <div className="policy-gutter" aria-hidden="true">
        <div style={{ transform: `translateY(${-scrollTop}px)` }}>
          {numbers.map((n) => (
            <div
              key={n}
              className={cx('policy-gutter-line', marked.has(n) && 'policy-line-error')}
              title={marked.get(n)?.join('\n')}
              data-testid={marked.has(n) ? 'policy-error-line' : undefined}
              data-line={n}
            >
              {n}
            </div>
          ))}
        </div>
      </div>
      <div className="policy-text">
        <div
          className="policy-backdrop"
          aria-hidden="true"
          style={{ transform: `translateY(${-scrollTop}px)` }}
        >
          {numbers.map((n) => (
            <div key={n} className={cx('policy-backdrop-line', marked.has(n) && 'policy-line-error')} />
          ))}
        </div>
        <textarea
          ref={area}
          className="policy-textarea"
          aria-label={label}
          aria-invalid={problems.length > 0 || undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
          readOnly={readOnly}
          wrap="off"
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          rows={Math.min(Math.max(lines + 2, 14), 32)}
          data-testid="policy-text"
        />
      </div>
    </div>
  );
}
