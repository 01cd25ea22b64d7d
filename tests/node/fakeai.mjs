// The `fakeai serve` the suite runs against: started here once, stopped when the tests end, so the
// official Node SDK is tested against the real server over real HTTP, as a user's suite would be.
// `npm test` runs every test file in this one process (--test-isolation=none), so they share it;
// each file uses an API key of its own, and so a tenant of its own (its own objects and scripts).
//
// The command is `fakeai` from PATH (CI puts the checkout's .venv there). FAKEAI_COMMAND names
// another one, split on spaces (no shell quoting), e.g. FAKEAI_COMMAND="python -m fakeai".

import { spawn } from 'node:child_process';
import { after } from 'node:test';
import OpenAI from 'openai';

/** Five characters per streamed text delta, so a stream test knows how many deltas a reply makes. */
export const STREAM_CHUNK_SIZE = 5;
const STARTUP_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** The command that runs fakeai, as a list of words. */
function fakeaiCommand() {
  const words = (process.env.FAKEAI_COMMAND ?? 'fakeai').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    throw new Error('FAKEAI_COMMAND is empty: unset it to use `fakeai` from PATH, or name a command '
      + 'such as "python -m fakeai"');
  }
  return words;
}

/**
 * Starts `fakeai serve --port 0 --quiet` (plus `args`) and registers its stop as a root `after`
 * hook, so it stops when the tests end, passed or failed. Resolves to
 * { baseURL, client(apiKey), admin(apiKey, method, path, body), stop() }.
 */
async function startFakeai(args) {
  const [program, ...prefix] = fakeaiCommand();
  const argv = [...prefix, 'serve', '--port', '0', '--quiet', ...args];
  const described = [program, ...argv].join(' ');
  const child = spawn(program, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL'); // the test process ending any other way
  process.on('exit', killOnExit);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));

  const abandon = (error) => {
    child.kill('SIGKILL');
    process.off('exit', killOnExit);
    throw error;
  };
  const baseURL = await firstLine(child, described, () => stderr).catch(abandon);
  if (!/^http:\/\/[^/]+\/v1$/.test(baseURL)) {
    abandon(new Error(`\`${described}\` printed ${JSON.stringify(baseURL)} first, not its base URL `
      + `(http://HOST:PORT/v1)\n${stderr}`));
  }
  const root = baseURL.slice(0, -'/v1'.length);

  let stopped;
  const server = {
    baseURL,

    /**
     * An SDK client on this server; each key is a tenant of its own (its own objects). No retries:
     * a refusal reaches the test as it was sent. Organization and project are pinned to none, as a
     * project from the environment (OPENAI_PROJECT_ID) would be a tenant the admin calls miss.
     */
    client(apiKey) {
      return new OpenAI({ baseURL, apiKey, organization: null, project: null, maxRetries: 0 });
    },

    /** A call to the admin API (/_fakeai/...), with the same key as the client it controls. */
    async admin(apiKey, method, path, body) {
      const response = await fetch(`${root}/_fakeai/${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) {
        throw new Error(`${method} /_fakeai/${path} answered ${response.status}: ${text}`);
      }
      return JSON.parse(text);
    },

    /** SIGTERM, then the exit: fakeai stops cleanly on it, so anything but status 0 fails. */
    stop() {
      stopped ??= (async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const { code, signal } = await exited;
        clearTimeout(timer);
        process.off('exit', killOnExit);
        if (code !== 0) {
          throw new Error(`\`${described}\` did not stop cleanly on SIGTERM (exit status ${code}, `
            + `signal ${signal})\n${stderr}`);
        }
      })();
      return stopped;
    },
  };
  after(() => server.stop());
  return server;
}

/** The first line the server prints, or a loud error saying why there is none. */
function firstLine(child, described, stderr) {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(`printed no line in ${STARTUP_TIMEOUT_MS / 1000} s`),
      STARTUP_TIMEOUT_MS);
    function fail(why) {
      clearTimeout(timer);
      reject(new Error(`\`${described}\` ${why}\n${stderr()}`));
    }
    child.once('error', (error) => fail(error.code === 'ENOENT'
      ? 'was not found: put the checkout\'s .venv/bin on PATH, or set FAKEAI_COMMAND '
        + '(e.g. FAKEAI_COMMAND="python -m fakeai")'
      : `could not start: ${error.message}`));
    child.once('close', (code) => fail(`exited (status ${code}) before printing its base URL`));
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const end = stdout.indexOf('\n');
      if (end !== -1) {
        clearTimeout(timer);
        resolve(stdout.slice(0, end).trim());
      }
    });
  });
}

/** The one server of the test run. */
export const fakeai = await startFakeai(['--stream-chunk-size', String(STREAM_CHUNK_SIZE)]);
