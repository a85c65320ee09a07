import type { ReactNode } from 'react';
import { cx } from '../lib/cx';

export interface CardProps {
  title?: ReactNode;
  description?: ReactNode;
  /** Buttons shown on the right of the header. */
  actions?: ReactNode;
  /** Drop the body padding, for tables that run edge to edge. */
  flush?: boolean;
  className?: string;
  children?: ReactNode;
  'data-testid'?: string;
}

export function Card({ title, description, actions, flush, className, children, ...rest }: CardProps) {
  const hasHeader = title !== undefined || actions !== undefined;
  return (
    <section className={cx('card', className)} data-testid={rest['data-testid']}>
      {hasHeader && (
        <header className="card-header">
          <div>
            {title !== undefined && <h2 className="card-title">{title}</h2>}
            {description !== undefined && <p className="card-description">{description}</p>}
          </div>
          {actions !== undefined && <div className="card-actions">{actions}</div>}
        </header>
      )}
      <div className={cx('card-body', flush && 'card-body-flush')}>{children}</div>
    </section>
  );
}
