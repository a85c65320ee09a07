import { type ChildProcess, spawn } from 'node:child_process';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

/** Runs the CLI as a child process (a fresh Node each time, as an operator would). */
export function cli(env: () => Record<string, string>) {
  function spawnCli(args: string[]) {
    return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env: env(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** One command to completion: its exit code and what it printed. */
  async function run(args: string[], opts: { stdin?: string } = {}) {
    const child = spawnCli(args);
    child.stdin.end(opts.stdin ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, stdout, stderr };
  }

  /** `gatehouse start`, resolved with its URL and output once /readyz answers 200; stop() waits for exit. */
  async function startNode(): Promise<{ url: string; output: () => string; stop(): Promise<number | null> }> {
    const child: ChildProcess = spawnCli(['start']);
    let output = '';
    child.stdout?.on('data', (d) => {
      output += d;
    });
    child.stderr?.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const stop = () => {
      child.kill('SIGTERM');
      return exited;
    };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url) {
        const ready = await fetch(`${url}/readyz`).then(
          (r) => r.status,
          () => 0,
        );
        if (ready === 200) return { url, output: () => output, stop };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new Error(`gatehouse did not become ready:\n${output}`);
  }

  return { run, startNode };
}
