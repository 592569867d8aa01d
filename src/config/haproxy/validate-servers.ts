/**
 * Per-backend server checks (HAProxy's server.c and ssl_sock.c post-parse
 * checks): unique names and ids, agent checks with a port, TLS verification
 * with a CA.
 */
import { ConfigCode, type SourceLoc } from '../../core/errors.js';
import type { ProxyDraft } from './draft.js';
import type { ParseState } from './state.js';
import type { Report } from './validate.js';

const at = (loc: SourceLoc): string => `${loc.file}:${loc.line}`;

export function validateServers(state: ParseState, px: ProxyDraft, report: Report): void {
  const names = new Map<string, SourceLoc>();
  const ids = new Map<number, string>();
  for (const s of px.servers) {
    const prev = names.get(s.name);
    if (prev)
      report(
        ConfigCode.Duplicate,
        s.loc,
        'server',
        `'${px.name}' already has a server named '${s.name}' (declared at ${at(prev)})`,
      );
    else names.set(s.name, s.loc);
    if (s.id !== undefined) {
      const owner = ids.get(s.id);
      if (owner !== undefined)
        report(
          ConfigCode.Duplicate,
          s.loc,
          'id',
          `server id ${s.id} already used by server '${owner}' in '${px.name}'`,
        );
      else ids.set(s.id, s.name);
    }
    if (s.check.agent.enabled && s.check.agent.port === undefined) {
      report(
        ConfigCode.Missing,
        s.loc,
        'agent-check',
        `server '${s.name}': 'agent-check' requires 'agent-port'`,
      );
    }
    if (s.ssl && (s.verify ?? 'required') === 'required' && s.caFile === undefined) {
      report(
        ConfigCode.Missing,
        s.loc,
        'ssl',
        `server '${s.name}': verify is enabled by default but no CA file is specified: add 'ca-file <file>', or 'verify none' if the server certificate need not be checked`,
      );
    }
    if (!s.ssl && (s.verify !== undefined || s.caFile !== undefined || s.sni !== undefined)) {
      state.warn(
        s.loc,
        'server',
        `server '${s.name}': 'verify', 'ca-file' and 'sni' have no effect without 'ssl'`,
      );
    }
  }
}
