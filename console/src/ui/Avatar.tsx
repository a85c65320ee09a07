import { initials } from '../lib/format';

export function Avatar({ name, email, size = 'md' }: { name: string; email: string; size?: 'sm' | 'md' }) {
  return (
    <span className={`avatar avatar-${size}`} aria-hidden="true">
      {initials(name, email)}
    </span>
  );
}
