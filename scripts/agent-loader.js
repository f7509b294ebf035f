// kindling-init's loader: scripts/build-agent.mjs puts the bundle's code into SOURCE (a string) and
// its hash into BUILD. Each boot stage is a new Node process, and Debian's nodejs 18 has no compile
// cache of its own, so the loader compiles the bundle with vm.Script and keeps V8's code cache of it
// in /var/cache/kindling-init (regenerable data: delete it at will), one file per build:
//   - only for root (the stages run as root; other users compile as usual, and never read a file root
//     wrote); KINDLING_INIT_CODE_CACHE=0 turns it off, an absolute path moves it;
//   - used only if the directory and the file belong to root and nobody else can write them, the
//     file's header names this build, this Node version and architecture, and its length is whole;
//     V8 then checks its own version and flags and may still reject it (then it is rewritten);
//   - rewritten at exit, atomically (0600, fsync, rename), when it was missing or rejected, or when
//     this command (verb and mode) has not contributed its functions yet, so that after the four
//     stages of a first boot it holds what every stage compiles. Other builds' files are deleted.
// Any failure of the cache falls back to compiling without it.
//
// A V8 startup snapshot (Node's userland snapshot, `--snapshot-blob`) goes further: the whole
// bootstrapped process with the bundle (and the verbs the boot stages run) already evaluated. Debian's
// nodejs 18 has no built-in snapshot, so a plain start compiles Node's own bootstrap, then the bundle;
// a start from the snapshot deserialises both. It lives next to the code cache as snapshot.blob:
//   - built by the machine's own Node, never shipped: `node --snapshot-blob T --build-snapshot` of
//     this file (install-agent.sh does it in the image; a root command that finds none starts one in
//     the background at exit), in a 0700 directory, 0600, fsynced, renamed into place; its mtime is
//     set to the Node binary's, so that the command wrappers (packaging/bin) use it only while that
//     Node is installed (an upgraded Node has another mtime: plain start, and a new snapshot is built);
//   - the wrappers run `node --snapshot-blob F -- ARGS` only for root, with the file and directory
//     root's; the snapshot's main checks that the bundle on disk is still this build, and otherwise
//     deletes the snapshot and runs the bundle the plain way in the same process;
//   - KINDLING_INIT_SNAPSHOT=0, or KINDLING_INIT_CODE_CACHE=0, turns it off.
'use strict';
(function () {
  const BUILD = '__BUILD_ID__';
  const SOURCE = __SOURCE__;
  if (typeof module === 'undefined') {
    // `node --build-snapshot` of this file: the entry is called with (require, __filename, __dirname) only
    buildSnapshot(BUILD, SOURCE);
    return;
  }
  const fs = require('fs');
  const vm = require('vm');
  const MAGIC = 'KINDLING-CC1';
  const setting = process.env.KINDLING_INIT_CODE_CACHE;
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : -1;
  const dir = setting && setting.startsWith('/') ? setting : '/var/cache/kindling-init';
  const enabled = setting !== '0' && euid === 0;
  const snapshotOn = process.env.KINDLING_INIT_SNAPSHOT !== '0';
  const snapFile = `${dir}/snapshot.blob`;
  const base = `code-${BUILD}.bin`;
  const file = `${dir}/${base}`;
  // the command's shape only (verb, --mode/--local), never its free arguments
  const key = process.argv.slice(2).filter((a) => /^-{0,2}[a-z][a-z-]*(=[a-z]+)?$/.test(a)).slice(0, 3).join('_').slice(0, 40);
  const owned = (st) => st.uid === euid && (st.mode & 0o022) === 0;

  if (process.env.KINDLING_INIT_SNAPSHOT_BUILDING === '1') {
    // the snapshot builder (snapshotInBackground, install-agent.sh): root's own directory only
    const d = enabled && snapshotOn ? fs.lstatSync(dir, { throwIfNoEntry: false }) : undefined;
    if (d && d.isDirectory() && owned(d)) buildSnapshotFile(fs, dir, snapFile, `${dir}/snapshot.lock`);
    else process.exitCode = 1;
    return;
  }

  let cached;
  let keys = [];
  if (enabled) {
    try {
      const d = fs.lstatSync(dir);
      if (d.isDirectory() && owned(d)) {
        const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
        try {
          const st = fs.fstatSync(fd);
          if (st.isFile() && owned(st)) {
            const buf = fs.readFileSync(fd);
            const nl = buf.indexOf(10);
            const head = nl > 0 && nl < 1024 ? buf.toString('latin1', 0, nl).split(' ') : [];
            if (head[0] === MAGIC && head[1] === BUILD && head[2] === process.version && head[3] === process.arch && Number(head[4]) === buf.length - nl - 1) {
              cached = buf.subarray(nl + 1);
              keys = head[5] ? head[5].split(',') : [];
            }
          }
        } finally {
          fs.closeSync(fd);
        }
      }
    } catch {
      cached = undefined;
    }
  }

  const script = new vm.Script(SOURCE, cached ? { filename: __filename, cachedData: cached } : { filename: __filename });
  const usable = cached !== undefined && !script.cachedDataRejected;
  if (enabled && (!usable || (key && !keys.includes(key)))) {
    process.once('exit', () => {
      try {
        save(usable ? keys : []);
      } catch {
        // a cache that cannot be written is only a slower next start
      }
    });
  }
  // (a snapshot builder returned above)
  if (enabled && snapshotOn) {
    process.once('exit', () => {
      try {
        snapshotInBackground();
      } catch {
        // no snapshot: the next start is a plain one
      }
    });
  }
  script.runInThisContext().call(module.exports, exports, require, module, __filename, __dirname);

  function save(prev) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const d = fs.lstatSync(dir);
    if (!d.isDirectory() || !owned(d)) return;
    const data = script.createCachedData();
    const all = key && !prev.includes(key) ? [...prev, key] : prev;
    const head = Buffer.from(`${MAGIC} ${BUILD} ${process.version} ${process.arch} ${data.length} ${all.join(',')}\n`, 'latin1');
    const tmp = `${file}.${process.pid}.tmp`;
    fs.rmSync(tmp, { force: true });
    const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try {
      for (const b of [head, data]) {
        for (let off = 0; off < b.length; ) off += fs.writeSync(fd, b, off, b.length - off);
      }
      fs.fsyncSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      fs.unlinkSync(tmp);
      throw e;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith('code-') && f !== base && !f.endsWith('.tmp')) fs.unlinkSync(`${dir}/${f}`);
    }
  }

  // At the exit of a plain start: when there is no snapshot for the Node that runs us, build one in
  // the background (one at a time: a lock file younger than two minutes means one is being built).
  function snapshotInBackground() {
    const node = fs.statSync(process.execPath);
    const cur = fs.lstatSync(snapFile, { throwIfNoEntry: false });
    if (cur && cur.isFile() && Math.trunc(cur.mtimeMs / 1000) === Math.trunc(node.mtimeMs / 1000)) return;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const d = fs.lstatSync(dir);
    if (!d.isDirectory() || !owned(d)) return;
    const lock = `${dir}/snapshot.lock`;
    const held = fs.lstatSync(lock, { throwIfNoEntry: false });
    if (held && Date.now() - held.mtimeMs < 120000) return;
    if (held) fs.rmSync(lock, { force: true });
    fs.closeSync(fs.openSync(lock, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600));
    const child = require('child_process').spawn(process.execPath, [__filename], {
      detached: true,
      stdio: 'ignore',
      cwd: '/',
      env: { PATH: process.env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin', KINDLING_INIT_SNAPSHOT_BUILDING: '1', KINDLING_INIT_CODE_CACHE: dir },
    });
    child.unref();
  }
})();

// `node kindling-init.cjs` with KINDLING_INIT_SNAPSHOT_BUILDING=1 (see snapshotInBackground, and
// install-agent.sh): builds the snapshot of this file for this Node, then exits. Runs before the bundle.
function buildSnapshotFile(fs, dir, file, lock) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    // what an interrupted build left
    for (const f of fs.readdirSync(dir)) if (f.startsWith('snapshot.blob.') && f.endsWith('.tmp')) fs.rmSync(`${dir}/${f}`, { force: true });
    const r = require('child_process').spawnSync(process.execPath, ['--snapshot-blob', tmp, '--build-snapshot', __filename], {
      cwd: '/',
      stdio: 'ignore',
      env: { PATH: process.env.PATH || '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    if (r.status !== 0) throw new Error('snapshot build failed');
    const fd = fs.openSync(tmp, fs.constants.O_RDWR | fs.constants.O_NOFOLLOW);
    try {
      fs.fchmodSync(fd, 0o600);
      fs.fsyncSync(fd);
      const node = fs.statSync(process.execPath);
      fs.futimesSync(fd, node.atime, new Date(Math.trunc(node.mtimeMs / 1000) * 1000));
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    const d = fs.openSync(dir, fs.constants.O_RDONLY);
    try {
      fs.fsyncSync(d);
    } finally {
      fs.closeSync(d);
    }
  } catch {
    fs.rmSync(tmp, { force: true });
    process.exitCode = 1;
  } finally {
    if (lock) fs.rmSync(lock, { force: true });
  }
}

// The entry of `node --snapshot-blob T --build-snapshot kindling-init.cjs`: evaluates the bundle with
// the command's start held back, loads the verbs the boot stages run, and sets the snapshot's main.
function buildSnapshot(BUILD, SOURCE) {
  const v8 = require('v8');
  if (!v8.startupSnapshot || !v8.startupSnapshot.isBuildingSnapshot()) throw new Error('kindling-init: no module and not building a snapshot');
  // The bundle's require: while building, the snapshot's own (a built-in loaded through the normal one
  // gets an ES module facade V8 cannot serialise); at run time the normal one (the snapshot's warns
  // about built-ins it does not support, such as child_process, which the stages load lazily).
  const realRequire = require('module').createRequire(__filename);
  let building = true;
  const bundleRequire = (id) => (building ? require(id) : realRequire(id));
  const entry = __filename;
  const fn = (0, eval)(SOURCE);
  let main;
  globalThis.__kindlingInitSnapshot = (start, verbs) => {
    delete globalThis.__kindlingInitSnapshot;
    main = start;
    for (const v of ['init', 'modules', 'status']) verbs[v]().catch(() => undefined);
    // compiled into the snapshot: what every boot's first stage would compile (verb-init's warmUp)
    verbs.init().then((m) => m.warmUp && m.warmUp()).catch(() => undefined);
  };
  const mod = { exports: {}, id: '.', filename: entry, loaded: false, children: [], paths: [] };
  fn.call(mod.exports, mod.exports, bundleRequire, mod, entry, require('path').dirname(entry));
  if (!main) throw new Error('kindling-init: the bundle did not hand over its start');
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // `node --snapshot-blob F -- ARGS`: argv is [node, ...ARGS]; the bundle expects [node, script, ...ARGS]
    building = false;
    process.argv.splice(1, 0, entry);
    if (!sameBuild(realRequire('fs'), entry, BUILD)) {
      // this snapshot belongs to another build of the agent than the file on disk: drop it, run the file
      const i = process.execArgv.indexOf('--snapshot-blob');
      const blob = i >= 0 ? process.execArgv[i + 1] : undefined;
      if (blob && blob.endsWith('/snapshot.blob') && (typeof process.geteuid !== 'function' || process.geteuid() === 0)) {
        try {
          realRequire('fs').unlinkSync(blob);
        } catch {
          // nothing to drop
        }
      }
      realRequire(entry);
      return;
    }
    main();
  });
}

function sameBuild(fs, file, build) {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(16384);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      return buf.toString('latin1', 0, n).includes(`const BUILD = ${JSON.stringify(build)};`);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return false;
  }
}
