/**
 * `add server` and `del server` (management.txt 9.3; HAProxy 2.6 server.c
 * cli_parse_add_server, cli_parse_delete_server): servers joining and
 * leaving a backend at run time. Admin level. The answers are HAProxy's,
 * including those without a trailing newline.
 */
import type { ProxyConfig } from '../config/haproxy/model.js';
import { notSupported, type RuntimeCommand, type RuntimeContext } from './cli-context.js';
import { denied, usageLine } from './cli-registry.js';
import { parseDynamicServer, type TakenId } from './dynamic-server-args.js';
import type { ControlResult, ProxyControl } from './types.js';

/** `<backend>/<server>` split as server.c does: at the first `/` after the first character. */
function splitRef(text: string | undefined): { readonly be: string; readonly name: string } | undefined {
  const t = text ?? '';
  const slash = t.indexOf('/', 1);
  if (slash < 0 || slash === t.length - 1) return undefined;
  return { be: t.slice(0, slash), name: t.slice(slash + 1) };
}

const REQUIRE = "Require 'backend/server'.";

/** The ids of a backend's servers, and for each where it was declared (`(null):0` when added at run time). */
function takenIds(control: ProxyControl, px: ProxyConfig): Map<number, TakenId> {
  const out = new Map<number, TakenId>();
  for (const s of control.servers(px.name)) {
    const declared = s.dynamic ? undefined : px.servers.find((c) => c.name === s.name);
    out.set(s.id, {
      name: s.name,
      where: declared ? `${declared.loc.file}:${declared.loc.line}` : '(null):0',
    });
  }
  return out;
}

function answer(r: ControlResult, done: string, what: string): string {
  if (r.ok) return done;
  return r.unsupported ? notSupported(what) : r.reason;
}

function addServer(args: readonly string[], ctx: RuntimeContext): string {
  const refused = denied(ctx, 'admin');
  if (refused) return refused;
  const ref = splitRef(args[2]);
  if (!ref) return REQUIRE;
  const control = ctx.deps.control;
  const px = control.backends().includes(ref.be)
    ? control.config.proxies.find((p) => p.name === ref.be)
    : undefined;
  if (!px) return 'No such backend.';
  if (!control.dynamicBalance(ref.be))
    return 'Backend must use a dynamic load balancing to support dynamic servers.';
  const parsed = parseDynamicServer(px, ref.name, args.slice(3), takenIds(control, px));
  if (typeof parsed === 'string') return parsed;
  return answer(control.addServer(ref.be, parsed), 'New server registered.\n', "'add server'");
}

/** proxy.c get_backend_server(): either part may be `#<id>`. */
function resolveRef(control: ProxyControl, be: string, name: string): { be: string; name: string } {
  let backend = be;
  if (be.startsWith('#')) {
    const id = Number.parseInt(be.slice(1), 10);
    backend = control.config.proxies.find((p) => p.id === id && p.kind !== 'frontend')?.name ?? be;
  }
  if (!name.startsWith('#')) return { be: backend, name };
  const id = Number.parseInt(name.slice(1), 10);
  return { be: backend, name: control.servers(backend).find((s) => s.id === id)?.name ?? name };
}

function delServer(args: readonly string[], ctx: RuntimeContext): string {
  const refused = denied(ctx, 'admin');
  if (refused) return refused;
  const ref = splitRef(args[2]);
  if (!ref) return REQUIRE;
  const control = ctx.deps.control;
  const { be, name } = resolveRef(control, ref.be, ref.name);
  return answer(control.delServer(be, name), 'Server deleted.', "'del server'");
}

export const dynamicServerCommands: readonly RuntimeCommand[] = [
  {
    words: ['add', 'server'],
    usage: usageLine('add server <bk>/<srv>', 'create a new server'),
    run: addServer,
  },
  {
    words: ['del', 'server'],
    usage: usageLine('del server <bk>/<srv>', 'remove a dynamically added server'),
    run: delServer,
  },
];
