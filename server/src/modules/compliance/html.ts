import type { ComplianceReport } from './schema.js';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Every piece of text on the page goes through this: evidence carries names people chose. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Evidence as nested lists and tables: arrays of records become a table, records a list. */
function renderValue(value: unknown): string {
  if (value === null || value === undefined) return '<span class="none">none</span>';
  if (Array.isArray(value)) {
    if (!value.length) return '<span class="none">none</span>';
    if (value.every(isRecord)) {
      const columns = [...new Set(value.flatMap((row) => Object.keys(row)))];
      const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
      const rows = value
        .map((row) => `<tr>${columns.map((c) => `<td>${renderValue(row[c])}</td>`).join('')}</tr>`)
        .join('');
      return `<table class="rows"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    }
    return value.map((v) => renderValue(v)).join(', ');
  }
  if (isRecord(value)) {
    const items = Object.entries(value)
      .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${renderValue(v)}</dd>`)
      .join('');
    return `<dl>${items}</dl>`;
  }
  return escapeHtml(String(value));
}

const STYLE = `
  body { font: 14px/1.45 system-ui, sans-serif; color: #111; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
  .meta { color: #555; margin: 0 0 1.5rem; }
  section { border: 1px solid #ccc; border-radius: 6px; padding: .75rem 1rem; margin: 0 0 1rem; }
  h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
  .status { display: inline-block; min-width: 7rem; font-weight: 600; }
  .pass { color: #176b2c; } .fail { color: #a1141b; } .not_applicable { color: #666; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .25rem 0; }
  dt { color: #555; } dd { margin: 0; }
  table.rows { border-collapse: collapse; margin: .25rem 0; }
  table.rows th, table.rows td { border: 1px solid #ddd; padding: .15rem .4rem; text-align: left; }
  .none { color: #888; }
  .remediation { margin: .5rem 0 0; }
  @media print {
    body { margin: 0; max-width: none; font-size: 11pt; }
    section { break-inside: avoid; border-color: #999; }
    a { color: inherit; text-decoration: none; }
  }
`;

/** The report as one self-contained printable page: inline CSS, no scripts, every text escaped. */
export function renderReportHtml(report: ComplianceReport): string {
  const sections = report.controls
    .map(
      (c) => `<section>
<h2><span class="status ${escapeHtml(c.status)}">${escapeHtml(c.status.replace('_', ' '))}</span> ${escapeHtml(c.id)}: ${escapeHtml(c.title)}</h2>
${renderValue(c.evidence)}
${c.status === 'fail' ? `<p class="remediation"><strong>Remediation:</strong> ${escapeHtml(c.remediation)}</p>` : ''}
</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Compliance report ${escapeHtml(report.org_id)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Compliance report</h1>
<p class="meta">Organization ${escapeHtml(report.org_id)} · generated ${escapeHtml(report.generated_at)} · ${report.summary.passed} passed, ${report.summary.failed} failed</p>
${sections}
</body>
</html>
`;
}
