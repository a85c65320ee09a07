import { formatRelative } from '../lib/format';
import { Button } from '../ui/Button';
import { DownloadIcon } from '../ui/icons';
import { type Column, Table } from '../ui/Table';
import { downloadJson } from './download';
import { formatExact, shortHash } from './format';
import type { Checkpoint } from './types';

const fileName = (c: Checkpoint) => `gatehouse-checkpoint-${c.org_id ?? 'system'}-${c.seq}.json`;

/** The chain's signed checkpoints, newest first; each can be saved as JSON to keep outside Gatehouse. */
export function CheckpointsTable({ checkpoints }: { checkpoints: readonly Checkpoint[] }) {
  const now = Date.now();
  const columns: Column<Checkpoint>[] = [
    {
      key: 'seq',
      header: 'Seq',
      align: 'right',
      width: '72px',
      render: (c) => <span className="mono">{c.seq}</span>,
    },
    {
      key: 'hash',
      header: 'Chain hash',
      render: (c) => (
        <span className="mono" title={c.hash} data-testid="checkpoint-hash">
          {shortHash(c.hash)}
        </span>
      ),
    },
    {
      key: 'at',
      header: 'Signed',
      render: (c) => (
        <time dateTime={c.at} title={formatExact(c.at)}>
          {formatRelative(c.at, now)}
        </time>
      ),
    },
    { key: 'kid', header: 'Key ID', render: (c) => <span className="mono">{c.kid}</span> },
    {
      key: 'download',
      header: <span className="sr-only">Download</span>,
      align: 'right',
      render: (c) => (
        <Button
          size="sm"
          variant="ghost"
          onClick={() => downloadJson(fileName(c), c)}
          aria-label={`Download checkpoint at seq ${c.seq} as JSON`}
          data-testid="checkpoint-download"
        >
          <DownloadIcon />
          JSON
        </Button>
      ),
    },
  ];
  return (
    <Table
      label="Audit checkpoints"
      testId="checkpoints-table"
      columns={columns}
      rows={checkpoints}
      rowKey={(c) => c.id}
      rowProps={(c) => ({
        'data-testid': 'checkpoint-row',
        'data-id': c.id,
        'data-seq': String(c.seq),
        'data-hash': c.hash,
      })}
    />
  );
}
