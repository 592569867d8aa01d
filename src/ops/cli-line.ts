/**
 * How the stats socket cuts its input (cli.c cli_io_handler and
 * cli_parse_request, HAProxy 2.6): a request ends at a line feed or at a
 * semicolon, either one escaped by a backslash being literal; a trailing
 * carriage return is dropped; words are separated by spaces or tabs, and a
 * backslash makes the next character part of the word (`\\` is one backslash).
 */

/** HAProxy's MAX_CLI_ARGS: words past it are ignored. */
const MAX_CLI_ARGS = 64;

export interface CutRequest {
  /** The request text, delimiter and trailing CR removed. */
  readonly line: string;
  /** What follows the delimiter. */
  readonly rest: string;
}

/** The first complete request of `buf`, or undefined while no delimiter has arrived. */
export function cutRequest(buf: string): CutRequest | undefined {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '\n' || c === ';') {
      const line = buf.slice(0, i);
      return { line: line.endsWith('\r') ? line.slice(0, -1) : line, rest: buf.slice(i + 1) };
    }
  }
  return undefined;
}

/** Splits one request into words, resolving backslash escapes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length && words.length < MAX_CLI_ARGS) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let word = '';
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      if (line[i] === '\\') {
        i++;
        if (i >= line.length) break;
      }
      word += line[i];
      i++;
    }
    words.push(word);
  }
  return words;
}
