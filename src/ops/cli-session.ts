/**
 * One connection to a stats socket (cli.c cli_io_handler, HAProxy 2.6).
 * Non-interactive mode: each request is answered followed by an empty line,
 * and the connection closes once no request is left in the input. `prompt`
 * toggles interactive mode, where answers are followed by `\n> ` and the
 * connection stays open until `quit`, the client leaving, or the idle
 * timeout. Requests are answered one at a time, in order. The owner of the
 * socket handles its 'error' events.
 */
import type net from 'node:net';
import type { Logger } from '../core/logger.js';
import { runCommand } from './cli-commands.js';
import { type RuntimeContext, type RuntimeDeps, replicated } from './cli-context.js';
import { cutRequest, splitWords } from './cli-line.js';
import type { CliLevel } from './types.js';

/**
 * A request must fit HAProxy's request buffer (tune.bufsize, 16 kB by
 * default); one that does not is dropped with the connection, as HAProxy's
 * CLI does when a line overflows its chunk.
 */
const MAX_REQUEST = 16_384;

export class CliSession {
  readonly ctx: RuntimeContext;
  readonly openedAt: number;
  private buf = '';
  private busy = false;
  private interactive = false;
  private inputEnded = false;
  private done = false;

  constructor(
    readonly sock: net.Socket,
    level: CliLevel,
    deps: RuntimeDeps,
    private readonly log: Logger,
    idleTimeoutMs: number,
  ) {
    this.ctx = { level, deps };
    this.openedAt = Date.now();
    sock.setEncoding('utf8');
    sock.setTimeout(idleTimeoutMs, () => sock.destroy());
    sock.on('data', (d: string) => {
      this.buf += d;
      this.pump();
    });
    sock.on('end', () => {
      this.inputEnded = true;
      this.pump();
    });
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.sock.end();
  }

  private async pump(): Promise<void> {
    if (this.busy || this.done) return;
    this.busy = true;
    try {
      for (let req = cutRequest(this.buf); req && !this.done; req = cutRequest(this.buf)) {
        this.buf = req.rest;
        await this.answer(splitWords(req.line));
        if (!this.interactive && this.buf === '') this.finish();
      }
      // A request cut short by the client's end of input is dropped, as HAProxy does.
      if (this.inputEnded || this.buf.length > MAX_REQUEST) this.finish();
    } finally {
      this.busy = false;
    }
  }

  private async answer(args: string[]): Promise<void> {
    if (args[0] === 'quit') {
      this.finish();
      return;
    }
    let out = '';
    if (args[0] === 'prompt') this.interactive = !this.interactive;
    else {
      out = await runCommand(args, this.ctx, this.log);
      if (this.ctx.deps.replicate && replicated(args)) this.ctx.deps.replicate(args, this.ctx.level);
    }
    if (this.sock.writable) this.sock.write(out + (this.interactive ? '\n> ' : '\n'));
  }
}
