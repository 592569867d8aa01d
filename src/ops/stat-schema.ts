/**
 * What HAProxy 2.6 says about each `show stat` column beyond its name: the
 * typed descriptor of `show stat typed` / `json` per object kind (stats.c
 * stats_fill_fe_stats / be / sv: origin, nature, scope and value type), and
 * the names of the columns its statistics modules add after the `-`
 * separator (ssl, h2, h1; management.txt 9.1). hapair has none of those
 * modules' counters: it prints their names so the header matches HAProxy's
 * byte for byte, and leaves their cells empty, which is how HAProxy marks a
 * value that does not apply.
 */
import type { StatField, StatRow } from '../proxy/stat-fields.js';
import { STAT_TYPE } from '../proxy/stat-fields.js';

/** Columns of the ssl, h2 and h1 statistics modules, in HAProxy 2.6's order. */
export const MODULE_FIELDS: readonly string[] = [
  'ssl_sess',
  'ssl_reused_sess',
  'ssl_failed_handshake',
  'h2_headers_rcvd',
  'h2_data_rcvd',
  'h2_settings_rcvd',
  'h2_rst_stream_rcvd',
  'h2_goaway_rcvd',
  'h2_detected_conn_protocol_errors',
  'h2_detected_strm_protocol_errors',
  'h2_rst_stream_resp',
  'h2_goaway_resp',
  'h2_open_connections',
  'h2_backend_open_streams',
  'h2_total_connections',
  'h2_backend_total_streams',
  'h1_open_connections',
  'h1_open_streams',
  'h1_total_connections',
  'h1_total_streams',
  'h1_bytes_in',
  'h1_bytes_out',
  'h1_spliced_bytes_in',
  'h1_spliced_bytes_out',
];

export type ObjectKind = 'F' | 'B' | 'S';

/**
 * `ORIGIN NATURE SCOPE:type` per column; one descriptor when all kinds agree,
 * else three (frontend, backend, server) with `-` where HAProxy leaves the
 * column empty for that kind.
 */
const META: Readonly<Record<StatField, string>> = {
  pxname: 'KNS:str',
  svname: 'KNS:str',
  qcur: '- MGP:u32 MGP:u32',
  qmax: '- MMP:u32 MMP:u32',
  scur: 'MGP:u32',
  smax: 'MMP:u32',
  slim: 'CLP:u32',
  stot: 'MCP:u64',
  bin: 'MCP:u64',
  bout: 'MCP:u64',
  dreq: 'MCP:u64 MCP:u64 -',
  dresp: 'MCP:u64',
  ereq: 'MCP:u64 - -',
  econ: '- MCP:u64 MCP:u64',
  eresp: '- MCP:u64 MCP:u64',
  wretr: '- MCP:u64 MCP:u64',
  wredis: '- MCP:u64 MCP:u64',
  status: 'SGP:str',
  weight: '- MaP:u32 MaP:u32',
  act: '- MGP:u32 SGP:u32',
  bck: '- MGP:u32 SGP:u32',
  chkfail: '- - MCP:u64',
  chkdown: '- MCP:u64 MCP:u64',
  lastchg: '- MAP:u32 MAP:u32',
  downtime: '- MCP:u32 MCP:u32',
  qlimit: '- - CGS:u32',
  pid: 'KGP:u32',
  iid: 'KGS:u32',
  sid: 'KGS:u32',
  throttle: '- - MaP:u32',
  lbtot: '- MCP:u64 MCP:u64',
  tracked: '- - CNS:str',
  type: 'CGS:u32',
  rate: 'MRP:u32 MGP:u32 MRP:u32',
  rate_lim: 'CLP:u32 - -',
  rate_max: 'MMP:u32 MGP:u32 MMP:u32',
  check_status: '- - MOP:str',
  check_code: '- - MOP:u32',
  check_duration: '- - MDP:u64',
  hrsp_1xx: 'MCP:u64',
  hrsp_2xx: 'MCP:u64',
  hrsp_3xx: 'MCP:u64',
  hrsp_4xx: 'MCP:u64',
  hrsp_5xx: 'MCP:u64',
  hrsp_other: 'MCP:u64',
  hanafail: '- - MCP:u64',
  req_rate: 'MRP:u32 - -',
  req_rate_max: 'MMP:u32 - -',
  req_tot: 'MCP:u64',
  cli_abrt: '- MCP:u64 MCP:u64',
  srv_abrt: '- MCP:u64 MCP:u64',
  comp_in: 'MCP:u64 MCP:u64 -',
  comp_out: 'MCP:u64 MCP:u64 -',
  comp_byp: 'MCP:u64 MCP:u64 -',
  comp_rsp: 'MCP:u64 MCP:u64 -',
  lastsess: '- MAP:s32 MAP:s32',
  last_chk: '- - MOP:str',
  last_agt: '- - MOP:str',
  qtime: '- MaP:u32 MaP:u32',
  ctime: '- MaP:u32 MaP:u32',
  rtime: '- MaP:u32 MaP:u32',
  ttime: '- MaP:u32 MaP:u32',
  agent_status: '- - MOP:str',
  agent_code: '- - MOP:u32',
  agent_duration: '- - MDP:u64',
  check_desc: '- - MOP:str',
  agent_desc: '- - MOP:str',
  check_rise: '- - CGS:u32',
  check_fall: '- - CGS:u32',
  check_health: '- - CGS:u32',
  agent_rise: '- - CGS:u32',
  agent_fall: '- - CGS:u32',
  agent_health: '- - CGS:u32',
  addr: '- - CGS:str',
  cookie: '- CNS:str CNS:str',
  mode: 'CGS:str',
  algo: '- CGS:str -',
  conn_rate: 'MRP:u32 - -',
  conn_rate_max: 'MMP:u32 - -',
  conn_tot: 'MCP:u64 - -',
  intercepted: 'MCP:u64 - -',
  dcon: 'MCP:u64 - -',
  dses: 'MCP:u64 - -',
  wrew: 'MCP:u64',
  connect: '- MCP:u64 MCP:u64',
  reuse: '- MCP:u64 MCP:u64',
  cache_lookups: 'MCP:u64 MCP:u64 -',
  cache_hits: 'MCP:u64 MCP:u64 -',
  srv_icur: '- - MGP:u32',
  src_ilim: '- - CLP:u32',
  qtime_max: '- MMP:u32 MMP:u32',
  ctime_max: '- MMP:u32 MMP:u32',
  rtime_max: '- MMP:u32 MMP:u32',
  ttime_max: '- MMP:u32 MMP:u32',
  eint: 'MCP:u64',
  idle_conn_cur: '- - MGP:u32',
  safe_conn_cur: '- - MGP:u32',
  used_conn_cur: '- - MGP:u32',
  need_conn_est: '- - MGP:u32',
  uweight: '- MaP:u32 MaP:u32',
  agg_server_status: '- MGP:u32 -',
  agg_server_check_status: '- MGP:u32 -',
  agg_check_status: '- MGP:u32 -',
};

export interface FieldMeta {
  /** Three letters: origin (M S K C P), nature (G L m M R C D A T N O a), scope (P S s C). */
  readonly tags: string;
  readonly type: 'u32' | 'u64' | 's32' | 'str';
}

const KIND_INDEX: Readonly<Record<ObjectKind, number>> = { F: 0, B: 1, S: 2 };

/** The descriptor of `field` for `kind`; a kind HAProxy leaves empty borrows another kind's. */
export function fieldMeta(kind: ObjectKind, field: StatField): FieldMeta {
  const variants = META[field].split(' ');
  const own = variants.length === 1 ? variants[0] : variants[KIND_INDEX[kind]];
  const chosen = own && own !== '-' ? own : variants.find((v) => v !== '-');
  const [tags, type] = (chosen ?? 'MGP:u32').split(':') as [string, FieldMeta['type']];
  return { tags, type };
}

/** The kind of a row for its descriptors (a listener row reads like its frontend's). */
export function rowKind(row: StatRow): ObjectKind {
  if (row.type === STAT_TYPE.backend) return 'B';
  if (row.type === STAT_TYPE.server) return 'S';
  return 'F';
}

/** The object letter and name of `show stat typed` / `json` (stats.c stats_dump_fields_typed). */
export function rowObject(row: StatRow): { readonly letter: string; readonly name: string } {
  switch (row.type) {
    case STAT_TYPE.frontend:
      return { letter: 'F', name: 'Frontend' };
    case STAT_TYPE.backend:
      return { letter: 'B', name: 'Backend' };
    case STAT_TYPE.listener:
      return { letter: 'L', name: 'Listener' };
    case STAT_TYPE.server:
      return { letter: 'S', name: 'Server' };
    default:
      return { letter: '?', name: 'Unknown' };
  }
}
