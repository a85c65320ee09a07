import { type ChangeEvent, type KeyboardEvent, useRef, useState } from 'react';
import { cx } from '../lib/cx';
import { Field } from './Field';
import { XIcon } from './icons';

export interface TokensInputProps {
  label: string;
  /** The committed tokens, in order, without duplicates. */
  value: readonly string[];
  onChange: (tokens: string[]) => void;
  hint?: string | undefined;
  error?: string | undefined;
  placeholder?: string;
  /** Tokens that fail it stay in the list, marked invalid, so the form can say what to fix. */
  isValid?: (token: string) => boolean;
  disabled?: boolean;
  /** On the text input, so tests can type into it. */
  'data-testid'?: string;
}

const SEPARATOR = /[\s,]+/;

/**
 * A list of short tokens (scopes, tool names) typed as text: a comma, a space or Enter turns what was typed
 * into a chip, Backspace in the empty input takes the last chip back, and pasted lists are split.
 */
export function TokensInput({
  label,
  value,
  onChange,
  hint,
  error,
  placeholder,
  isValid,
  disabled,
  ...rest
}: TokensInputProps) {
  const [draft, setDraft] = useState('');
  const input = useRef<HTMLInputElement>(null);

  function commit(texts: string[]) {
    const added = texts.map((t) => t.trim()).filter((t) => t && !value.includes(t));
    if (added.length) onChange([...new Set([...value, ...added])]);
  }

  function change(e: ChangeEvent<HTMLInputElement>) {
    const parts = e.target.value.split(SEPARATOR);
    // Everything before the last separator is finished; the rest is still being typed.
    setDraft(parts.pop() ?? '');
    commit(parts);
  }

  function keyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Enter' && draft.trim()) {
      e.preventDefault(); // a chip, not a form submission
      commit([draft]);
      setDraft('');
    } else if (e.key === 'Backspace' && !draft && value.length) {
      e.preventDefault();
      setDraft(value.at(-1) ?? '');
      onChange(value.slice(0, -1));
    }
  }

  function blur() {
    commit([draft]);
    setDraft('');
  }

  return (
    <Field label={label} hint={hint} error={error}>
      {(control) => (
        // biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: a click on the box focuses its input, which has the keyboard.
        <div
          className={cx(
            'input',
            'tokens-input',
            error && 'input-invalid',
            disabled && 'tokens-input-disabled',
          )}
          onClick={() => input.current?.focus()}
        >
          {value.map((token) => {
            const invalid = isValid ? !isValid(token) : false;
            return (
              <span
                key={token}
                className={cx('chip', 'chip-removable', invalid && 'chip-invalid')}
                data-testid="token-chip"
                data-invalid={invalid || undefined}
              >
                {token}
                <button
                  type="button"
                  className="chip-remove"
                  onClick={() => onChange(value.filter((t) => t !== token))}
                  aria-label={`Remove ${token}`}
                  disabled={disabled}
                >
                  <XIcon />
                </button>
              </span>
            );
          })}
          <input
            ref={input}
            className="tokens-input-text"
            value={draft}
            onChange={change}
            onKeyDown={keyDown}
            onBlur={blur}
            placeholder={value.length ? undefined : placeholder}
            autoComplete="off"
            spellCheck={false}
            disabled={disabled}
            {...control}
            data-testid={rest['data-testid']}
          />
        </div>
      )}
    </Field>
  );
}
