import type { ReactNode } from 'react';
import { LogoMark } from '../ui/icons';

/** Centered card for the signed-out pages (login, accept invitation). */
export function AuthLayout({
  title,
  subtitle,
  children,
}: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="auth-shell">
      <div className="auth-panel">
        <div className="auth-brand">
          <LogoMark width={36} height={36} />
          <span className="auth-brand-name">Gatehouse</span>
        </div>
        <div className="auth-card">
          <header className="auth-header">
            <h1 className="auth-title">{title}</h1>
            {subtitle && <p className="auth-subtitle">{subtitle}</p>}
          </header>
          {children}
        </div>
        <p className="auth-footer">Identity and access control for AI agents</p>
      </div>
    </div>
  );
}
