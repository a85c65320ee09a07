import type { ReactNode } from 'react';

export interface EmptyStateProps {
  icon?: ReactNode;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  'data-testid'?: string;
}

export function EmptyState({ icon, title, description, action, ...rest }: EmptyStateProps) {
  return (
    <div className="empty-state" data-testid={rest['data-testid']}>
      {icon && <div className="empty-state-icon">{icon}</div>}
      <p className="empty-state-title">{title}</p>
      {description && <p className="empty-state-description">{description}</p>}
      {action && <div className="empty-state-action">{action}</div>}
    </div>
  );
}
