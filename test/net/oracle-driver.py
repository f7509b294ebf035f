# Runs the real cloud-init's `devel net-convert` for many jobs in one Python process (inside the lab
# rootfs, under chroot). Importing cloud-init costs most of a net-convert run, so it is imported once
# and every job runs in a forked child: each child starts from the same pristine module state (the
# distro classes' renderer configs are mutable class attributes that net-convert edits in place).
#
# stdin: JSON {"jobs": [{"id", "input", "kind", "distro", "output", "outdir", "macs": [...]}]}
# stdout: one JSON line per job: {"id", "ok", "error"}; the job's stderr goes to <outdir>.stderr
import json
import os
import sys
import traceback

from cloudinit import distros
from cloudinit.cmd.devel import net_convert


def run_job(job):
    argv = ["-p", job["input"], "-k", job["kind"], "-d", job["outdir"],
            "-D", job["distro"], "-O", job["output"]]
    for m in job.get("macs", []):
        argv += ["-m", m]
    args = net_convert.get_parser().parse_args(argv)
    net_convert.handle_args("net-convert", args)


def main():
    jobs = json.load(sys.stdin)["jobs"]
    # import each distro module once, before forking, instead of once per child
    for name in sorted({j["distro"] for j in jobs}):
        try:
            distros.fetch(name)
        except Exception:  # noqa: the job itself reports it
            pass
    for job in jobs:
        err_path = job["outdir"].rstrip("/") + ".stderr"
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 2)
                run_job(job)
            except BaseException:  # noqa: the parent only needs the last line
                traceback.print_exc()
                code = 1
            sys.stderr.flush()
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        error = None
        if not ok:
            try:
                with open(err_path) as f:
                    lines = [ln for ln in f.read().splitlines() if ln.strip()]
                error = lines[-1] if lines else "exit status %d" % status
            except OSError:
                error = "exit status %d" % status
        sys.stdout.write(json.dumps({"id": job["id"], "ok": ok, "error": error}) + "\n")
        sys.stdout.flush()


main()
