import type { InputHTMLAttributes } from 'react';
import { cx } from '../lib/cx';
import { SearchIcon } from './icons';

export interface SearchInputProps extends InputHTMLAttributes<HTMLInputElement> {
  /** The accessible name (the input has no visible label). */
  label: string;
  invalid?: boolean;
}

/** A compact search box with a magnifier, for filter bars. */
export function SearchInput({ label, invalid, className, ...input }: SearchInputProps) {
  return (
    <span className={cx('search-input', className)}>
      <SearchIcon className="search-input-icon" />
      <input
        type="search"
        className={cx('input', 'input-compact', invalid && 'input-invalid')}
        aria-label={label}
        aria-invalid={invalid || undefined}
        autoComplete="off"
        spellCheck={false}
        {...input}
      />
    </span>
  );
}
