#!/usr/bin/env node
/**
 * hapair's command line. The root command is HAProxy's (`-f`, `-c`, `-d`, `-D`,
 * `-W`, `-p`, `-sf`, `-st`, `-q`, `-v`, `-vv`, `-L`, `-cc`) plus `-k` for
 * keepalived.conf files; subcommands cover what HAProxy does with other tools
 * (`check`, `ctl` for the runtime API, `vrrp` for keepalived's job alone, `lab`
 * for the HA pair demo).
 */
import { Command, Option } from 'commander';
import { normalizeArgv } from './argv.js';
import { runCheck, runCondExpr } from './check.js';
import { runCtl } from './ctl.js';
import { runLab } from './lab.js';
import { type RunOptions, runMain } from './run.js';
import { versionDetails, versionLine } from './version.js';
import { runVrrp } from './vrrp.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function buildProgram(): Command {
  const program = new Command('hapair')
    .description(
      'HAProxy-compatible TCP/HTTP load balancer and keepalived-compatible VRRP failover.\n' +
        'Runs the proxy of haproxy.cfg files (-f) and the VRRP instances of keepalived.conf files (-k).',
    )
    .addOption(
      new Option(
        '-f, --file <path>',
        'haproxy.cfg file, or directory of *.cfg files read in lexical order (repeatable)',
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '-k, --keepalived <file>',
        'keepalived.conf file for the VRRP instances (repeatable)',
      ).argParser(collect),
    )
    .option('-c, --check', 'check the configuration only: exit 0 if valid, 1 if invalid (errors on stderr)')
    .option('--cc <expr>', 'evaluate a .if condition expression (also -cc): exit 0 if true, 1 if false')
    .option('-d, --debug', 'stay in the foreground with human-readable logs on stderr')
    .option('-D, --daemon', "detach and run in the background (HAProxy's daemon mode)")
    .option('--no-daemon', 'stay in the foreground even if the configuration says daemon (also -db)')
    .option('-W, --master-worker', 'master-worker mode: a master owning the sockets supervises the workers')
    .option('--systemd', 'notify systemd of readiness on $NOTIFY_SOCKET (also -Ws, implies -W)')
    .option('-p, --pidfile <file>', 'write the pid (of the master, in master-worker mode) to this file')
    .option(
      '--sf <pid...>',
      'once started, ask these old processes to finish their sessions and exit (also -sf)',
    )
    .option('--st <pid...>', 'once started, terminate these old processes at once (also -st)')
    .option('-q, --quiet', 'print nothing on success (with -c) and only errors otherwise')
    .option(
      '--no-vip',
      'hapair: never configure VIPs, only log what would be done (unprivileged demo and tests)',
    )
    .option('-L, --local-peer <name>', 'local peer name (accepted for compatibility; used as the node name)')
    .option('-v, --version', 'print the version and exit')
    .option('--vv', 'print the version with build and compatibility details and exit (also -vv)')
    .showHelpAfterError()
    // Root options before the subcommand only: `hapair vrrp -f x` is vrrp's -f.
    .enablePositionalOptions()
    .action(async (opts: RunOptions & { version?: boolean; vv?: boolean; cc?: string }) => {
      if (opts.vv) console.log(versionDetails());
      else if (opts.version) console.log(versionLine());
      else if (opts.cc !== undefined) process.exitCode = runCondExpr(opts.cc);
      else if (opts.check) process.exitCode = runCheck(opts.file ?? [], opts.keepalived ?? [], opts.quiet);
      else await runMain(opts);
    });

  program
    .command('check')
    .description('check haproxy.cfg and keepalived.conf files like `haproxy -c` (exit 0 valid, 1 invalid)')
    .addOption(
      new Option('-f, --file <path>', 'haproxy.cfg file or directory (repeatable)').argParser(collect),
    )
    .addOption(new Option('-k, --keepalived <file>', 'keepalived.conf file (repeatable)').argParser(collect))
    .option('-q, --quiet', 'print nothing on success')
    .action((opts: { file?: string[]; keepalived?: string[]; quiet?: boolean }) => {
      process.exitCode = runCheck(opts.file ?? [], opts.keepalived ?? [], opts.quiet);
    });

  program
    .command('vrrp')
    .description("run only the VRRP instances of keepalived.conf files (keepalived's job, without the proxy)")
    .addOption(new Option('-f, --use-file <file>', 'keepalived.conf file (repeatable)').argParser(collect))
    .option('-t, --config-test', 'check the configuration and exit (keepalived -t): 0 valid, 1 invalid')
    .option('-d, --debug', 'human-readable logs on stderr')
    .option('-p, --pidfile <file>', 'write the pid to this file')
    .action(async (opts: { useFile?: string[]; configTest?: boolean; debug?: boolean; pidfile?: string }) => {
      await runVrrp(opts);
    });

  program
    .command('ctl')
    .description('runtime API client (replaces `socat stdio SOCKET`): one command, or interactive with none')
    .argument('<socket>', 'stats socket: a unix socket path, or ipv4@ADDR:PORT / ADDR:PORT')
    .argument('[command...]', 'command to send, e.g. "show stat"; without it, read commands interactively')
    .action(async (socket: string, command: string[]) => {
      process.exitCode = await runCtl(socket, command);
    });

  program
    .command('lab')
    .description('the HA pair demo: two hapair nodes electing a master and moving the VIP (npm start)')
    .argument('[action]', 'demo (default)', 'demo')
    .option(
      '--udp',
      'force the unprivileged mode: two nodes on loopback with the UDP transport, VIPs only logged',
    )
    .option('--once', 'run the scenario once and exit instead of waiting for Ctrl-C')
    .action(async (action: string, opts: { udp?: boolean; once?: boolean }) => {
      process.exitCode = await runLab(action, opts);
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  await program.parseAsync(normalizeArgv(argv), { from: 'user' });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const e = err as { message?: string };
  process.stderr.write(`hapair: ${e.message ?? String(err)}\n`);
  process.exitCode = 1;
});
