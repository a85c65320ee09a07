import { formatDateTime } from '../lib/format';
import { Button } from '../ui/Button';
import { Modal } from '../ui/Modal';
import type { PolicyVersion } from './types';

export interface PolicyVersionDialogProps {
  version: PolicyVersion;
  /** Set when the viewer may edit: puts this version's text in the editor, to save it again. */
  onLoad?: (() => void) | undefined;
  onClose: () => void;
}

/** One saved version's text, read-only. */
export function PolicyVersionDialog({ version, onLoad, onClose }: PolicyVersionDialogProps) {
  return (
    <Modal
      title={`Version ${version.version}`}
      description={`${formatDateTime(version.created_at)}${version.note ? ` · ${version.note}` : ''}`}
      onClose={onClose}
      wide
      data-testid="policy-version-dialog"
      footer={
        <>
          <Button onClick={onClose}>Close</Button>
          {onLoad && (
            <Button variant="primary" onClick={onLoad} data-testid="policy-version-load">
              Load into editor
            </Button>
          )}
        </>
      }
    >
      <pre className="code-block" data-testid="policy-version-text">
        {version.text}
      </pre>
    </Modal>
  );
}
