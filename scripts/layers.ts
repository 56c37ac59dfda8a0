// The floors of the code base, checked: draws the imports of src/ and the #includes of native/ as
// arrows between floors and FAILS (exit 1) on an arrow that points up or on a circle.
//
//   src:    cli > daemon > ipc > control > config > dataplane > util
//           (the CLI imports from the daemon only the programs it runs: daemon/daemon, daemon/join-driver,
//           daemon/segment: `tenant remove` with the daemon stopped deletes the tenant's segment itself)
//   native: napi > io > core; a module is x.c + x.h, and modules must not include each other in a circle
//
// Usage: node dist/scripts/layers.js [--verbose]   (npm test runs it; --verbose lists every arrow)
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package root: the first directory above this file with a package.json (dist/scripts -> .). */
function packageRoot(dir: string): string {
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    if (path.dirname(dir) === dir) throw new Error('layers: package.json not found');
    dir = path.dirname(dir);
  }
  return dir;
}
const root = packageRoot(__dirname);

const SRC_FLOORS = ['util', 'dataplane', 'config', 'control', 'ipc', 'daemon', 'cli'];
const CLI_MAY_RUN = new Set(['src/daemon/daemon', 'src/daemon/join-driver', 'src/daemon/segment']);
const NATIVE_FLOORS = ['core', 'io', 'napi'];

type Graph = Map<string, Set<string>>;

function walk(dir: string, keep: (f: string) => boolean, skip: (d: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!skip(p)) out.push(...walk(p, keep, skip)); } else if (keep(p)) out.push(p);
  }
  return out.sort();
}

function rel(p: string): string { return path.relative(root, p).split(path.sep).join('/'); }

function addEdge(g: Graph, from: string, to: string): void {
  if (!g.has(from)) g.set(from, new Set());
  if (!g.has(to)) g.set(to, new Set());
  if (from !== to) g.get(from)!.add(to);
}

/** Strongly connected components with more than one node (Tarjan). */
function circles(g: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), on = new Set<string>(), stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of [...g.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

function floorOf(mod: string, prefix: string, floors: string[]): number {
  return floors.indexOf(mod.slice(prefix.length).split('/')[0]);
}

function summary(g: Graph, prefix: string, floors: string[]): string[] {
  const n = new Map<string, number>();
  for (const [a, bs] of g) for (const b of bs) {
    const fa = floors[floorOf(a, prefix, floors)] ?? '?', fb = floors[floorOf(b, prefix, floors)] ?? '?';
    if (fa !== fb) n.set(`${fa} -> ${fb}`, (n.get(`${fa} -> ${fb}`) ?? 0) + 1);
  }
  return [...n].sort((x, y) => floors.indexOf(y[0].split(' ')[0]) - floors.indexOf(x[0].split(' ')[0]) || x[0].localeCompare(y[0]))
    .map(([k, v]) => `  ${k}  (${v})`);
}

function srcGraph(): Graph {
  const g: Graph = new Map();
  const re = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|^import\s+)'(\.[^']+)'/gm;
  for (const f of walk(path.join(root, 'src'), (p) => p.endsWith('.ts'))) {
    const from = rel(f).replace(/\.ts$/, '');
    addEdge(g, from, from);
    for (const m of fs.readFileSync(f, 'utf8').matchAll(re)) {
      let to = path.resolve(path.dirname(f), m[1]);
      if (fs.existsSync(`${to}.ts`)) to = `${to}.ts`; else if (fs.existsSync(path.join(to, 'index.ts'))) to = path.join(to, 'index.ts');
      else throw new Error(`${rel(f)}: cannot resolve import '${m[1]}'`);
      addEdge(g, from, rel(to).replace(/\.ts$/, ''));
    }
  }
  return g;
}

function nativeGraph(): Graph {
  const g: Graph = new Map();
  const files = walk(path.join(root, 'native'), (p) => /\.[ch]$/.test(p), (d) => path.basename(d) === 'test');
  for (const f of files) {
    const from = rel(f).replace(/\.[ch]$/, '');
    addEdge(g, from, from);
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/^#include\s+"([^"]+)"/gm)) {
      const to = path.resolve(path.dirname(f), m[1]);
      if (!fs.existsSync(to)) throw new Error(`${rel(f)}: cannot resolve #include "${m[1]}"`);
      addEdge(g, from, rel(to).replace(/\.[ch]$/, ''));
    }
  }
  return g;
}

function check(name: string, g: Graph, prefix: string, floors: string[], extra: (a: string, b: string) => string | null): string[] {
  const errors: string[] = [];
  for (const [a, bs] of g) for (const b of bs) {
    const fa = floorOf(a, prefix, floors), fb = floorOf(b, prefix, floors);
    if (fa < 0) errors.push(`${a}: not on a known floor of ${name} (${floors.join(', ')})`);
    else if (fb > fa) errors.push(`upward: ${a} -> ${b} (${floors[fa]} must not import ${floors[fb]})`);
    const e = extra(a, b);
    if (e) errors.push(e);
  }
  for (const c of circles(g)) errors.push(`circle: ${c.join(' <-> ')}`);
  return [...new Set(errors)];
}

function main(): number {
  const verbose = process.argv.includes('--verbose');
  const src = srcGraph(), nat = nativeGraph();
  const errors = [
    ...check('src', src, 'src/', SRC_FLOORS, (a, b) =>
      a.startsWith('src/cli/') && b.startsWith('src/daemon/') && !CLI_MAY_RUN.has(b)
        ? `cli imports the daemon: ${a} -> ${b} (only ${[...CLI_MAY_RUN].join(', ')}; shared types and the client are src/ipc)` : null),
    ...check('native', nat, 'native/', NATIVE_FLOORS, () => null),
  ];
  console.log(`src (${src.size} modules): floors ${[...SRC_FLOORS].reverse().join(' > ')}`);
  console.log(summary(src, 'src/', SRC_FLOORS).join('\n'));
  console.log(`native (${nat.size} modules): floors ${[...NATIVE_FLOORS].reverse().join(' > ')}`);
  console.log(summary(nat, 'native/', NATIVE_FLOORS).join('\n'));
  if (verbose) {
    for (const g of [src, nat]) for (const [a, bs] of [...g].sort()) for (const b of [...bs].sort()) console.log(`    ${a} -> ${b}`);
  }
  if (errors.length) {
    for (const e of errors) console.error(`layers: ${e}`);
    return 1;
  }
  console.log('layers: every arrow points down, no circles');
  return 0;
}

process.exitCode = main();
