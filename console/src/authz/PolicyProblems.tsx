import type { FieldError } from '../api';

export interface PolicyProblemsProps {
  problems: readonly FieldError[];
  /** Moves the editor's caret to a problem. */
  onGoTo: (line: number, column: number) => void;
}

/** The server's problems with the policy text, each with its place: "line 4, col 10: message". */
export function PolicyProblems({ problems, onGoTo }: PolicyProblemsProps) {
  if (!problems.length) return null;
  return (
    <div className="policy-problems" role="alert" data-testid="policy-errors">
      <p className="policy-problems-title">
        {problems.length === 1
          ? 'The policy set has a problem'
          : `The policy set has ${problems.length} problems`}
      </p>
      <ul>
        {problems.map((p, i) => {
          const { line, column } = p;
          return (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole, never reordered.
              key={i}
              data-testid="policy-error"
              data-line={line}
              data-column={column}
            >
              {line !== undefined ? (
                <button
                  type="button"
                  className="link-button mono"
                  onClick={() => onGoTo(line, column ?? 1)}
                  data-testid="policy-error-place"
                >
                  line {line}, col {column ?? 1}
                </button>
              ) : null}
              {line !== undefined ? ': ' : ''}
              <span data-testid="policy-error-message">{p.message}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
