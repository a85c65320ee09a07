// The compliance report's shape (GET /v1/compliance/report).
export type ControlStatus = 'pass' | 'fail' | 'not_applicable';

export interface Control {
  id: string;
  title: string;
  status: ControlStatus;
  /** What the check looked at: counts, lists of ids, settings. */
  evidence: Record<string, unknown>;
  /** What to do about a failure. */
  remediation: string | null;
}

export interface ComplianceReport {
  org_id: string;
  generated_at: string;
  summary: { passed: number; failed: number };
  controls: Control[];
}
