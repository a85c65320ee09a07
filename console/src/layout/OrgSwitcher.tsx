import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api';
import { useSession, useSessionContext } from '../auth/SessionContext';
import { ROLE_LABELS } from '../lib/roles';
import { CheckIcon, ChevronsIcon, PlusIcon } from '../ui/icons';
import { Spinner } from '../ui/Spinner';
import { CreateOrgDialog } from './CreateOrgDialog';

/** Current organization at the top of the sidebar; opens a menu to switch or create one. */
export function OrgSwitcher() {
  const session = useSession();
  const { switchOrg } = useSessionContext();
  const [open, setOpen] = useState(false);
  const [creating, setCreating] = useState(false);
  const [switching, setSwitching] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (e: MouseEvent) => {
      if (e.target instanceof Node && !root.current?.contains(e.target)) setOpen(false);
    };
    document.addEventListener('mousedown', onPointer);
    const items = menu.current;
    (
      items?.querySelector<HTMLElement>('[aria-checked="true"]') ??
      items?.querySelector<HTMLElement>('[role^="menuitem"]')
    )?.focus();
    return () => document.removeEventListener('mousedown', onPointer);
  }, [open]);

  async function choose(orgId: string) {
    if (orgId === session.org.id) return setOpen(false);
    setSwitching(orgId);
    setError(null);
    try {
      await switchOrg(orgId);
      setOpen(false);
    } catch (err) {
      setError(err instanceof ApiError ? err.displayMessage : 'Could not switch organization.');
    } finally {
      setSwitching(null);
    }
  }

  function onMenuKey(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape') {
      setOpen(false);
      root.current?.querySelector<HTMLElement>('.org-switcher-button')?.focus();
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    const next = (at + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
    items[next]?.focus();
  }

  const orgs = [...session.orgs].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="org-switcher" ref={root}>
      <button
        type="button"
        className="org-switcher-button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
        data-testid="org-switcher"
      >
        <span className="org-mark">{session.org.name.slice(0, 1).toUpperCase()}</span>
        <span className="org-switcher-text">
          <span className="org-switcher-name">{session.org.name}</span>
          <span className="org-switcher-role">{ROLE_LABELS[session.role] ?? session.role}</span>
        </span>
        <ChevronsIcon className="org-switcher-chevron" />
      </button>
      {open && (
        <div
          className="menu"
          role="menu"
          aria-label="Organizations"
          ref={menu}
          onKeyDown={onMenuKey}
          tabIndex={-1}
        >
          <div className="menu-label">Organizations</div>
          {orgs.map((org) => (
            <button
              key={org.id}
              type="button"
              role="menuitemradio"
              aria-checked={org.id === session.org.id}
              className="menu-item"
              onClick={() => void choose(org.id)}
              disabled={switching !== null}
            >
              <span className="org-mark org-mark-sm">{org.name.slice(0, 1).toUpperCase()}</span>
              <span className="menu-item-text">{org.name}</span>
              {switching === org.id ? <Spinner size="sm" /> : org.id === session.org.id && <CheckIcon />}
            </button>
          ))}
          {error && <p className="menu-error">{error}</p>}
          <div className="menu-separator" />
          <button
            type="button"
            role="menuitem"
            className="menu-item"
            onClick={() => {
              setOpen(false);
              setCreating(true);
            }}
          >
            <PlusIcon />
            <span className="menu-item-text">Create organization</span>
          </button>
        </div>
      )}
      {creating && <CreateOrgDialog onClose={() => setCreating(false)} />}
    </div>
  );
}
