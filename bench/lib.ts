// Shared helpers: start a server as a child process, wait for it, read its memory, stop it; a
// throwaway PostgreSQL database; the columns every throughput table shares.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const GATEHOUSE_BIN = join(ROOT, 'server/bin/gatehouse.js');
export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = 'redis://127.0.0.1:6379';

export interface Child {
  proc: ChildProcess;
  pid: number;
  url: string;
  /** The last few kilobytes the child wrote to stderr (and stdout when captured). */
  tail(): string;
}

/** A port that was free a moment ago (the kernel picks it; we close and hand it on). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node <args>` with the given env on 127.0.0.1:<port>. stdout is discarded
 * (/dev/null) unless captureStdout, so log writing costs what it costs in production.
 */
export function spawnNode(args: string[], env: Record<string, string>, captureStdout = false): Child {
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...flags, ...args], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`could not spawn node ${args.join(' ')}`);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4096);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  if (process.env.BENCH_STDERR) proc.stderr?.pipe(process.stderr);
  return { proc, pid: proc.pid, url: `http://127.0.0.1:${env.PORT}`, tail: () => tail };
}

/** Polls `url` every intervalMs (after each answer) until it returns 200; resolves the time it did. */
export async function waitFor200(child: Child, path: string, timeoutMs = 120_000, intervalMs = 50) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.proc.exitCode !== null) {
      throw new Error(`server exited (${child.proc.exitCode}) before ${path} was 200:\n${child.tail()}`);
    }
    const signal = AbortSignal.timeout(Math.max(1, Math.ceil(deadline - performance.now())));
    try {
      const res = await fetch(child.url + path, { signal });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    await sleep(intervalMs);
  }
  throw new Error(`${path} not 200 within ${timeoutMs} ms:\n${child.tail()}`);
}

/** Resident memory now and at its peak, in MiB, from /proc/<pid>/status. */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** SIGTERM, then waits for exit; SIGKILL if it outlives timeoutMs. */
export async function stop(child: Child, timeoutMs = 15_000): Promise<void> {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Runs fn with the URL of a new empty PostgreSQL database, dropped afterwards whatever fn did. */
export async function withPostgresDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `gh_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
    try {
      return await fn(`postgres://postgres@127.0.0.1:5432/${name}`);
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await admin.end();
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** A GitHub-flavoured markdown table; it reads fine in a terminal too. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** True when this module is the script node was asked to run. */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === process.argv[1];
}

/** What a load run measured against one target, as every throughput table shows it. */
export interface Throughput {
  target: string;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
}

/** The columns after the target's name that every throughput table starts with, and their cells. */
export const THROUGHPUT_HEAD = ['req/s (mean)', 'p50 (ms)', 'p99 (ms)', 'requests'];
export const throughputCells = (r: Throughput) => [
  r.reqPerSec.toFixed(0),
  String(r.p50Ms),
  String(r.p99Ms),
  String(r.requests),
];

/**
 * Puts a benchmark's section into bench/RESULTS.md between `<!-- bench:<name> <label> -->` and
 * `<!-- /bench:<name> -->`, replacing an earlier section of the same name and label.
 */
export function recordSection(name: string, label: string, section: string) {
  const file = join(ROOT, 'bench/RESULTS.md');
  const begin = `<!-- bench:${name} ${label} -->`;
  const end = `<!-- /bench:${name} -->`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const block = `${begin}\n${section.trim()}\n${end}\n`;
  const start = current.indexOf(begin);
  const next =
    start >= 0
      ? current.slice(0, start) + block + current.slice(current.indexOf(end, start) + end.length + 1)
      : `${current.trimEnd()}\n\n${block}`;
  writeFileSync(file, next);
}
