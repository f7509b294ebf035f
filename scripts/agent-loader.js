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
'use strict';
(function () {
  const BUILD = '__BUILD_ID__';
  const SOURCE = __SOURCE__;
  const fs = require('fs');
  const vm = require('vm');
  const MAGIC = 'KINDLING-CC1';
  const setting = process.env.KINDLING_INIT_CODE_CACHE;
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : -1;
  const dir = setting && setting.startsWith('/') ? setting : '/var/cache/kindling-init';
  const enabled = setting !== '0' && euid === 0;
  const base = `code-${BUILD}.bin`;
  const file = `${dir}/${base}`;
  // the command's shape only (verb, --mode/--local), never its free arguments
  const key = process.argv.slice(2).filter((a) => /^-{0,2}[a-z][a-z-]*(=[a-z]+)?$/.test(a)).slice(0, 3).join('_').slice(0, 40);
  const owned = (st) => st.uid === euid && (st.mode & 0o022) === 0;

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
})();
