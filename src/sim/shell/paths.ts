// The node's file-system layout as the shell sees it: a few fixed directories plus the
// service directory (§4.1 `cd ~/ringrift/ai-service`); file contents live in SimCluster.files.
import type { SimCluster } from '../cluster.js';
import { HOME } from './session.js';

/** `path` made absolute against `cwd`, with `.` and `..` resolved. */
export function absPath(path: string, cwd: string): string {
  const p = path.startsWith('/') ? path : `${cwd}/${path}`;
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return '/' + parts.join('/');
}

export function serviceDir(c: SimCluster): string {
  return c.opts.serviceDir.replace(/^~/, HOME);
}

export function isDir(c: SimCluster, path: string): boolean {
  const svc = serviceDir(c);
  return ['/', '/home', HOME, '/tmp', '/var', '/var/log', '/etc', svc, `${svc}/logs`].includes(path) || svc.startsWith(path + '/');
}
