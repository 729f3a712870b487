"""A throw-away Asterisk 22 (Debian sid) in a cached chroot, for tests and the demo.

Typical use (as root)::

    from controller.sandbox import AsteriskSandbox, ensure_built, host_mirror

    ensure_built(settings.sandbox_root, settings.sandbox.mirror or host_mirror(), progress=print)
    with AsteriskSandbox(settings.sandbox_root) as asterisk:
        asterisk.start({"extensions.conf": DIALPLAN}, "test", secret, ami_port=5038)
        print(asterisk.cli("core show uptime"))

Modules: :mod:`.build` (debootstrap, marker, build lock), :mod:`.instance` (start/stop),
:mod:`.daemon` (CLI, pid, start-up checks), :mod:`.configs` (manager.conf and the files
written before a start), :mod:`.modules` (the one module list), :mod:`.mirror` (the host's
Debian archive), :mod:`.layout` (paths inside the root), :mod:`.mounts`, :mod:`.process`,
:mod:`.lock` (OS plumbing).
"""

from controller.sandbox.build import (
    PACKAGES,
    BuildInfo,
    ensure_built,
    ensure_copied,
    read_build_info,
)
from controller.sandbox.configs import (
    DEFAULT_AMI_READ,
    DEFAULT_AMI_WRITE,
    AmiAccount,
    render_manager_conf,
)
from controller.sandbox.daemon import require_root, run_cli, running_pid
from controller.sandbox.instance import AsteriskSandbox
from controller.sandbox.layout import SandboxLayout, resolve_in_root
from controller.sandbox.mirror import host_mirror
from controller.sandbox.modules import MODULES, render_modules_conf

__all__ = [
    "DEFAULT_AMI_READ",
    "DEFAULT_AMI_WRITE",
    "MODULES",
    "PACKAGES",
    "AmiAccount",
    "AsteriskSandbox",
    "BuildInfo",
    "SandboxLayout",
    "ensure_built",
    "ensure_copied",
    "host_mirror",
    "read_build_info",
    "render_manager_conf",
    "render_modules_conf",
    "require_root",
    "resolve_in_root",
    "run_cli",
    "running_pid",
]
