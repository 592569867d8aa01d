/**
 * `node web-main.js NAME HOST PORT`: one lab web backend, run inside its
 * namespace. Prints `ready` once listening; stops on SIGTERM.
 */
import { startWeb } from './webs.js';

const [name = 'web', host = '0.0.0.0', port = '80'] = process.argv.slice(2);
const web = await startWeb(name, host, Number(port));
process.stdout.write(`ready ${web.addr}\n`);
process.on('SIGTERM', () => void web.close().then(() => process.exit(0)));
