// The browser harness the console's e2e tests share: a real Gatehouse server (server/test/harness.ts), the
// built console it serves, and headless Chromium. Importing it checks for the browser: without one the
// tests skip (`describe.skipIf(!hasChromium)`), unless CI set GATEHOUSE_REQUIRE_BROWSER, which fails the run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/harness.js';

const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
// CI sets GATEHOUSE_REQUIRE_BROWSER so that a missing browser fails the run instead of skipping.
if (!hasChromium && process.env.GATEHOUSE_REQUIRE_BROWSER) {
  throw new Error(`chromium not found at ${CHROMIUM}, and GATEHOUSE_REQUIRE_BROWSER is set`);
}
if (!hasChromium) console.log(`browser tests skipped: chromium not found at ${CHROMIUM}`);

/** With CONSOLE_E2E_SCREENSHOTS=1, saves the whole page as a PNG at `path`, to look at after the run. */
export async function screenshot(page: Page, path: string): Promise<void> {
  if (process.env.CONSOLE_E2E_SCREENSHOTS) await page.screenshot({ path, fullPage: true });
}

const CONSOLE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The server serves console/dist; build it once if this checkout has not (npm test builds it first). */
function ensureConsoleBuilt() {
  if (existsSync(`${CONSOLE_DIR}dist/index.html`)) return;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: CONSOLE_DIR, stdio: 'inherit' });
}

export interface ConsoleHarness {
  /** The server; set once the suite's beforeAll has run. */
  readonly server: TestServer;
  /** A page in a browser context of its own (its own cookies), 1360×900. */
  newPage(): Promise<Page>;
  signIn(page: Page, email: string, password: string): Promise<void>;
  /** Uncaught errors from every page; tests expect it to stay empty. */
  readonly pageErrors: string[];
}

/** Starts a server and a browser for the enclosing `describe` (call it there), and stops them after. */
export function useConsoleHarness(): ConsoleHarness {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    server = await startTestServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  const started = () => {
    if (!server) throw new Error('the server starts in beforeAll');
    return server;
  };

  return {
    get server() {
      return started();
    },
    async newPage() {
      if (!browser) throw new Error('the browser starts in beforeAll');
      const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      ctx.setDefaultTimeout(15_000);
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.on('pageerror', (err) => pageErrors.push(err.message));
      return page;
    },
    async signIn(page, email, password) {
      await page.goto(`${started().url}/console/login`);
      await page.getByTestId('login-email').fill(email);
      await page.getByTestId('login-password').fill(password);
      await page.getByTestId('login-submit').click();
    },
    pageErrors,
  };
}
