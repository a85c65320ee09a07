import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';

const SERVER = new URL('..', import.meta.url).pathname;

/**
 * The server compiled to plain JavaScript file by file (TypeScript's transpiler without the type
 * check: a second or two, while others may be mid-edit), so that a child process runs it without
 * a TypeScript loader: tsx keeps ~60 MB of its own in the process, which would swamp what a
 * memory bound is meant to measure.
 */
export async function compileServer(): Promise<{ main: string; remove(): Promise<void> }> {
  const out = await mkdtemp(join(tmpdir(), 'gatehouse-build-'));
  const src = join(SERVER, 'src');
  for (const file of (await readdir(src, { recursive: true })).filter((f) => f.endsWith('.ts'))) {
    const js = ts.transpileModule(await readFile(join(src, file), 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        verbatimModuleSyntax: true,
      },
    });
    const target = join(out, 'server/src', file.replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, js.outputText);
  }
  // Laid out as the repository is: migrations beside src, dependencies where Node looks for them.
  await symlink(join(SERVER, 'migrations'), join(out, 'server/migrations'));
  await symlink(join(SERVER, 'node_modules'), join(out, 'server/node_modules'));
  await symlink(join(SERVER, '../node_modules'), join(out, 'node_modules'));
  await writeFile(join(out, 'server/package.json'), '{"type":"module"}');
  return { main: join(out, 'server/src/main.js'), remove: () => rm(out, { recursive: true, force: true }) };
}

/** A process's resident set size, as the kernel counts it. */
export function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** `node [flags] <main> start` with `env` on `port`, resolved once /readyz answers 200. */
export async function startBuilt(
  main: string,
  env: Record<string, string>,
  port: number,
  nodeFlags: string[],
) {
  const child = spawn(process.execPath, [...nodeFlags, main, 'start'], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) {
      return {
        url,
        pid: child.pid as number,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the built server did not become ready:\n${output}`);
}
