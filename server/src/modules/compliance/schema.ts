import { z } from 'zod';

export const reportQuery = z
  .object({
    format: z
      .enum(['json', 'html'])
      .optional()
      .describe('`json`: a download (content-disposition: attachment); `html`: a printable page'),
    fresh: z
      .enum(['1', 'true', '0', 'false'])
      .optional()
      .describe('`1` recomputes the report instead of answering the one cached for 30 s'),
  })
  .strict();

export const controlSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['pass', 'fail', 'not_applicable']),
  evidence: z.record(z.string(), z.unknown()),
  remediation: z.string(),
});

export const reportSchema = z.object({
  org_id: z.string(),
  generated_at: z.string(),
  summary: z.object({ passed: z.number().int(), failed: z.number().int() }),
  controls: z.array(controlSchema),
});
export type ComplianceReport = z.infer<typeof reportSchema>;
