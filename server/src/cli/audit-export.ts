import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type ExportFormat, exportQuery } from '../modules/audit/export.js';
import type { Runtime } from '../runtime.js';
import { command, findOrg, parsed } from './org-context.js';

/** `gatehouse audit export`: the same stream as GET /v1/audit/export, to stdout or a file. */
export const runAuditExport = command(
  async (
    rt: Runtime,
    opts: { org: string; format: ExportFormat; from?: string; to?: string; out?: string },
  ) => {
    const org = await findOrg(rt, opts.org);
    const query = parsed(exportQuery, { format: opts.format, from: opts.from, to: opts.to });
    const records = rt.services.auditExport.stream(org.id, query);
    // stdout stays open for whatever the process prints after; a file is closed when done.
    if (opts.out) await pipeline(records, createWriteStream(opts.out));
    else await pipeline(records, process.stdout, { end: false });
  },
);
