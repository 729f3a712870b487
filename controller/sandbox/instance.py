"""Run Asterisk in a built sandbox root: fresh config, boot, CLI, clean stop.

One :class:`AsteriskSandbox` owns its root while running (an flock beside the root); a
second one fails with SandboxError instead of sharing it. Only the pid from the sandbox's
own pid file, checked to be an asterisk chrooted into this root, is ever signalled.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from controller.errors import SandboxError
from controller.sandbox import process
from controller.sandbox.build import read_build_info
from controller.sandbox.configs import (
    DEFAULT_AMI_READ,
    DEFAULT_AMI_WRITE,
    AmiAccount,
    render_manager_conf,
    reset_etc,
    write_files,
)
from controller.sandbox.daemon import (
    check_port_free,
    chown_inside,
    launch,
    log_tail,
    not_running_modules,
    require_root,
    run_cli,
    running_pid,
    wait_booted,
)
from controller.sandbox.layout import OWNED_DIRS, RUN_DIR, SandboxLayout
from controller.sandbox.lock import FileLock
from controller.sandbox.modules import MODULES, missing_modules, render_modules_conf
from controller.sandbox.mounts import ChrootMounts


class AsteriskSandbox:
    """Asterisk 22 in a chroot built by :func:`controller.sandbox.ensure_built`."""

    def __init__(self, root: Path, *, boot_timeout: float = 30.0, stop_timeout: float = 10.0):
        self.layout = SandboxLayout(root)
        self.boot_timeout = boot_timeout
        self.stop_timeout = stop_timeout
        self._lock = FileLock(self.layout.run_lock, "in use")
        self._mounts = ChrootMounts(root, root.with_name(root.name + ".mounts.json"))
        self._pid: int | None = None
        self._started: tuple[Mapping[str, str], AmiAccount, tuple[str, ...], bool] | None = None

    # -- paths (host paths of directories inside the chroot) --------------------------------

    @property
    def root(self) -> Path:
        return self.layout.root

    @property
    def etc_dir(self) -> Path:
        return self.layout.etc_dir

    @property
    def monitor_dir(self) -> Path:
        return self.layout.monitor_dir

    @property
    def log_dir(self) -> Path:
        return self.layout.log_dir

    @property
    def sounds_dir(self) -> Path:
        return self.layout.sounds_dir

    @property
    def pid(self) -> int | None:
        return self._pid

    @property
    def running(self) -> bool:
        return self._pid is not None and process.is_sandbox_asterisk(self._pid, self.root)

    @property
    def ami(self) -> AmiAccount:
        """The AMI account of the current run."""
        if self._started is None:
            raise SandboxError("the sandbox has not been started")
        return self._started[1]

    # -- lifecycle ----------------------------------------------------------------------------

    def start(
        self,
        config_files: Mapping[str, str],
        ami_username: str,
        ami_secret: str,
        ami_port: int = 5038,
        *,
        ami_read: Sequence[str] = DEFAULT_AMI_READ,
        ami_write: Sequence[str] = DEFAULT_AMI_WRITE,
        modules: Sequence[str] = MODULES,
        keep_astdb: bool = False,
    ) -> None:
        """Reset /etc/asterisk, write ``config_files`` (name -> text) and boot Asterisk.

        Returns once Asterisk is fully booted and every module in ``modules`` runs.
        """
        if self._pid is not None:
            raise SandboxError("the sandbox is already running; stop() it first")
        account = AmiAccount(ami_username, ami_secret, ami_port, tuple(ami_read), tuple(ami_write))
        generated = {
            "manager.conf": render_manager_conf(account),
            "modules.conf": render_modules_conf(modules),
        }
        require_root("starting the sandbox")
        if read_build_info(self.layout) is None:
            raise SandboxError(f"no sandbox built at {self.root}; run: pbxctl sandbox build")
        self._lock.acquire_or_fail()
        try:
            self._clear_leftovers()
            missing = missing_modules(self.layout.module_dir(), modules)
            if missing:
                raise SandboxError(f"modules not in the sandbox: {', '.join(missing)}")
            check_port_free(account.host, account.port)
            reset_etc(
                self.etc_dir, self.layout.pristine_etc, generated=generated, files=config_files
            )
            self._prepare_state_dirs(keep_astdb)
            self._mounts.mount()
            self._started = (dict(config_files), account, tuple(modules), keep_astdb)
            self._boot(modules)
        except BaseException:
            self._shutdown()
            raise

    def restart(self, config_files: Mapping[str, str] | None = None) -> None:
        """Stop, then start again with the same AMI account and modules; new config files
        when given, else the previous ones."""
        if self._started is None:
            raise SandboxError("the sandbox has not been started")
        files, account, modules, keep_astdb = self._started
        self.stop()
        self.start(
            files if config_files is None else config_files,
            account.username,
            account.secret,
            account.port,
            ami_read=account.read,
            ami_write=account.write,
            modules=modules,
            keep_astdb=keep_astdb,
        )

    def stop(self) -> None:
        """``core stop now``, wait, TERM then KILL if needed, unmount, release the root."""
        if not self._lock.held:
            return
        self._shutdown()

    def cli(self, command: str, timeout: float = 15.0) -> str:
        """Run an Asterisk CLI command (see :func:`run_cli`)."""
        if not self.running:
            raise SandboxError("the sandbox Asterisk is not running")
        return run_cli(self.root, command, timeout)

    def update_config(self, files: Mapping[str, str]) -> None:
        """Write ``files`` into the running sandbox's /etc/asterisk (reload them yourself)."""
        write_files(self.etc_dir, files)
        chown_inside(self.root, [self.layout.inside("/etc/asterisk")])

    def reload(self, module: str) -> str:
        """``module reload <module>``; SandboxError unless Asterisk reports success."""
        output = self.cli(f"module reload {module}")
        if "reloaded successfully" not in output.lower():
            raise SandboxError(f"module reload {module}: {output.strip()}")
        return output

    def __enter__(self) -> AsteriskSandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals ------------------------------------------------------------------------------

    def _clear_leftovers(self) -> None:
        # We hold the run lock, so an Asterisk still running here, or mounts recorded in the
        # state file, belong to an earlier run that was killed before it could clean up.
        self._stop_daemon()
        self._mounts.unmount()

    def _prepare_state_dirs(self, keep_astdb: bool) -> None:
        if not keep_astdb:
            # astdb keeps Custom: device states and pjsip contacts across restarts.
            self.layout.astdb.unlink(missing_ok=True)
        self.layout.pid_file.unlink(missing_ok=True)
        (self.log_dir / "messages.log").unlink(missing_ok=True)  # one log per boot
        (self.log_dir / "cel-custom").mkdir(parents=True, exist_ok=True)  # cel_custom's files
        self.layout.inside(RUN_DIR).mkdir(parents=True, exist_ok=True)
        chown_inside(self.root, [self.layout.inside(d) for d in OWNED_DIRS])

    def _boot(self, modules: Sequence[str]) -> None:
        launch(self.root)
        self._pid = wait_booted(self.root, self.boot_timeout)
        failed = not_running_modules(run_cli(self.root, "module show"), modules)
        if failed:
            raise SandboxError(f"modules failed to load: {', '.join(failed)}{log_tail(self.root)}")

    def _stop_daemon(self) -> None:
        # We hold the run lock: whatever asterisk runs in this root is ours to stop, even
        # one whose boot failed before we learnt its pid.
        pid, self._pid = self._pid or running_pid(self.root), None
        if pid is None or not process.is_sandbox_asterisk(pid, self.root):
            return
        with contextlib.suppress(SandboxError):  # not answering: the signals below do the job
            run_cli(self.root, "core stop now", timeout=5)
        gone = process.wait_gone(pid, self.stop_timeout)
        if not gone and not process.end_process(pid, self.root, grace=3.0):
            raise SandboxError(f"Asterisk (pid {pid}) survived SIGKILL")

    def _shutdown(self) -> None:
        try:
            self._stop_daemon()
        finally:
            try:
                self._mounts.unmount()
            finally:
                self._lock.release()
