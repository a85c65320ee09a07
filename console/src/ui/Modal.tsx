import { type ReactNode, useEffect, useId, useRef } from 'react';
import { cx } from '../lib/cx';

export interface ModalProps {
  title: string;
  description?: ReactNode;
  onClose: () => void;
  /** Buttons, right-aligned under the content. */
  footer?: ReactNode;
  children?: ReactNode;
  /** While true, Escape and backdrop clicks do not close the dialog. */
  busy?: boolean;
  /** Room for longer forms. */
  wide?: boolean;
  'data-testid'?: string;
}

/**
 * A modal dialog on the native <dialog> element (focus trap, Escape and top layer come for free).
 * Render it conditionally: it opens on mount and closes on unmount.
 */
export function Modal({
  title,
  description,
  onClose,
  footer,
  children,
  busy = false,
  wide = false,
  ...rest
}: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: backdrop click is a mouse shortcut; Escape (onCancel) is the keyboard path.
    <dialog
      ref={ref}
      className={cx('modal', wide && 'modal-wide')}
      aria-labelledby={titleId}
      data-testid={rest['data-testid']}
      onCancel={(e) => {
        e.preventDefault();
        if (!busy) onClose();
      }}
      onClick={(e) => {
        // Only the backdrop hits the <dialog> itself; the content fills it with its own box.
        if (e.target === e.currentTarget && !busy) onClose();
      }}
    >
      <div className="modal-content">
        <header className="modal-header">
          <h2 className="modal-title" id={titleId}>
            {title}
          </h2>
          {description && <div className="modal-description">{description}</div>}
        </header>
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-footer">{footer}</footer>}
      </div>
    </dialog>
  );
}
