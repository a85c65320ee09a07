/** An RFC 9457 problem returned by Gatehouse, with its stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: { field: string; message: string }[];
  request_id?: string;
}

export class GatehouseError extends Error {
  readonly status: number;
  readonly code: string;
  readonly problem: Problem;
  /** Seconds to wait before retrying, from Retry-After on 429 and 503. */
  readonly retryAfter: number | undefined;

  constructor(problem: Problem, retryAfter?: number) {
    super(problem.detail ?? problem.title);
    this.name = 'GatehouseError';
    this.status = problem.status;
    this.code = problem.code;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}
