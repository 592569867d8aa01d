/**
 * `hapair ctl SOCKET [CMD]`: the runtime API client, a built-in replacement for
 * `echo "show stat" | socat stdio /run/hapair.sock`. One command: send it, print
 * the answer until the server closes (HAProxy's non-interactive mode). No
 * command: a readline prompt with history; each line is sent on its own
 * connection, so a command that makes the server close never breaks the session.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export function parseSocketTarget(target: string): { path: string } | { host: string; port: number } {
  let t = target;
  if (t.startsWith('unix@')) return { path: t.slice(5) };
  if (t.startsWith('ipv4@') || t.startsWith('ipv6@')) t = t.slice(5);
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(t);
  if (m && !t.startsWith('/') && !t.startsWith('.')) return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
  return { path: target };
}

export function sendCommand(target: string, command: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const dest = parseSocketTarget(target);
    const sock: Socket = 'path' in dest ? connect(dest.path) : connect(dest.port, dest.host);
    const chunks: Buffer[] = [];
    sock.setTimeout(timeoutMs, () =>
      sock.destroy(new Error(`no answer from ${target} within ${timeoutMs} ms`)),
    );
    sock.on('connect', () => sock.write(`${command}\n`));
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

const HISTORY = join(homedir(), '.hapair_history');

function loadHistory(): string[] {
  try {
    return readFileSync(HISTORY, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 500);
  } catch {
    return [];
  }
}

async function interactive(target: string): Promise<number> {
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    history: loadHistory(),
    prompt: '> ',
  });
  rl.prompt();
  for await (const line of rl) {
    const cmd = line.trim();
    if (cmd === 'quit' || cmd === 'exit') break;
    if (cmd !== '') {
      try {
        appendFileSync(HISTORY, `${cmd}\n`);
      } catch {
        // history is a convenience; an unwritable home directory must not stop the client
      }
      try {
        process.stdout.write(await sendCommand(target, cmd));
      } catch (err) {
        process.stderr.write(`hapair ctl: ${(err as Error).message}\n`);
      }
    }
    rl.prompt();
  }
  rl.close();
  return 0;
}

export async function runCtl(target: string, command: readonly string[]): Promise<number> {
  if (command.length === 0) {
    if (!process.stdin.isTTY) {
      // `echo "show info" | hapair ctl SOCK`: forward stdin as is, like socat stdio.
      const input = await new Promise<string>((res) => {
        let s = '';
        process.stdin.on('data', (d: Buffer) => {
          s += d.toString('utf8');
        });
        process.stdin.on('end', () => res(s));
      });
      const lines = input.split('\n').filter((l) => l.trim() !== '');
      for (const l of lines) process.stdout.write(await sendCommand(target, l.trim()));
      return 0;
    }
    return interactive(target);
  }
  try {
    process.stdout.write(await sendCommand(target, command.join(' ')));
    return 0;
  } catch (err) {
    process.stderr.write(`hapair ctl: ${(err as Error).message}\n`);
    return 1;
  }
}
