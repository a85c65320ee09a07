import type { ReactNode } from 'react';

export function PageHeader({
  title,
  description,
  actions,
  badge,
  breadcrumb,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  /** Shown next to the title, e.g. a status. */
  badge?: ReactNode;
  /** A way back up, above the title. */
  breadcrumb?: ReactNode;
}) {
  return (
    <div className="page-header">
      <div className="page-heading">
        {breadcrumb && <div className="page-breadcrumb">{breadcrumb}</div>}
        <div className="page-title-row">
          <h1 className="page-title">{title}</h1>
          {badge}
        </div>
        {description && <div className="page-description">{description}</div>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}
