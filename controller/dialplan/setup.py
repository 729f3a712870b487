"""One-time preparation of Asterisk's configuration directory for the generated files.

Hand-written configuration stays the admin's: we only append an ``#include`` line for our
file to each top-level file (keeping a ``.pbx-backup`` copy first), and write the controller's
own AMI user into the generated directory.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from controller.config import Settings
from controller.dialplan import escape, phones
from controller.dialplan.apply import prepare_directory, write_atomically
from controller.dialplan.render import FILES, GENERATED_DIR
from controller.dialplan.service import AMI_SECRET, generated_dir
from controller.recovery import cel
from controller.secrets import ensure_secret

# The top-level file that includes each generated file (dialplan parts include each other).
TOP_LEVEL = {
    "extensions.conf": "extensions.conf",
    "pjsip.conf": "pjsip.conf",
    "queues.conf": "queues.conf",
    "musiconhold.conf": "musiconhold.conf",
    "voicemail.conf": "voicemail.conf",
    "manager.conf": "manager.conf",
    "features.conf": "features.conf",
}

# Transfer keys on calls the dialplan connects with Dial(..., tT): the API's attended transfer
# (AMI Atxfer) needs atxfer mapped, which stock features.conf leaves commented out.
FEATURES = """[featuremap]
blindxfer=##
atxfer=*2
"""

# Settings our call history relies on, for a queues.conf we create.
QUEUES_GENERAL = """[general]
persistentmembers=yes
log_membername_as_agent=yes
log_unpause_on_reason_change=yes
shared_lastcall=yes
"""

# What the controller's AMI user may do: each class with the actions the controller sends
# that need it. Asterisk lets an action through when the user has any one of the classes
# of its "Privilege" (`manager show command <Action>` on Asterisk 22; recorded in
# tests/unit/dialplan/test_ami_user.py, which also finds every action the code sends).
# docs/security.md ("f. AMI privileges") says what these still allow, and why.
MANAGER_WRITE: dict[str, tuple[str, ...]] = {
    # Apply's module reloads (Reload's other class, config, would add UpdateConfig: rewriting
    # any configuration file), recording from the API, an agent's login device in AstDB,
    # server-side event filters.
    "system": ("Reload", "MixMonitor", "DBPut", "DBDel", "Filter"),
    # Call control: hang up, hold (Redirect, Bridge), transfers, variables, stop recording.
    "call": (
        "Hangup",
        "Redirect",
        "Bridge",
        "Atxfer",
        "BlindTransfer",
        "CancelAtxfer",
        "Setvar",
        "Getvar",
        "StopMixMonitor",
    ),
    # Agent login, logout and pause.
    "agent": ("QueueAdd", "QueueRemove", "QueuePause"),
    # Reading state back after a reload or a reconnect (QueueStatus/QueueSummary need none).
    "reporting": ("ShowDialPlan", "CoreShowChannels", "Status", "VoicemailUsersList"),
    # Click-to-call, listen/whisper/barge, queue-callback placeholders.
    "originate": ("Originate",),
    # "moh show classes": no AMI action lists the music-on-hold classes, and apply must
    # confirm Asterisk created them (a class whose directory has no sound files is dropped
    # silently); "pjsip show aor <marker>" confirms a PJSIP reload (PJSIPShowAors listed all
    # 10,000 phones' aors). It adds nothing system and originate together do not already allow.
    "command": ("Command",),
}
# Not granted: config (UpdateConfig, CreateConfig), user (UserEvent: the controller sends
# none), and the classes without actions it uses. Read: the events the tracker and the
# history follow.
MANAGER_READ = ("system", "call", "agent", "user", "config", "dtmf", "reporting", "cdr", "dialplan")

MANAGER_USER = """[{username}]
secret={secret}
deny=0.0.0.0/0.0.0.0
permit=127.0.0.1/255.255.255.255
read={read}
write={write}
writetimeout=5000
"""


def manager_user_file(settings: Settings) -> tuple[str, str | None]:
    """The AMI user's manager.conf section, and a note if its secret was generated just now."""
    note = None
    if settings.ami.secret is not None:
        secret = settings.ami.secret.get_secret_value()
    else:
        stored = ensure_secret(settings.data_dir, AMI_SECRET)
        secret = stored.value
        if stored.created:
            # Never on the screen (terminal scrollback, CI logs, a shared session): where it
            # is is enough, the controller reads it from there.
            note = f"generated a new AMI secret in {stored.path} (mode 0600; not shown)"
    text = MANAGER_USER.format(
        username=escape.name(settings.ami.username),
        secret=escape.conf(secret),
        read=",".join(MANAGER_READ),
        write=",".join(MANAGER_WRITE),
    )
    return text, note


def _ensure_include(path: Path, include: str, initial: str) -> str:
    line = f"#include {include}"
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if any(existing.strip() == line for existing in text.splitlines()):
            return f"{path}: already includes {include}"
        shutil.copy2(path, path.with_name(path.name + ".pbx-backup"))
        path.write_text(text.rstrip("\n") + f"\n\n{line}\n", encoding="utf-8")
        return f"{path}: added {line} (backup in {path.name}.pbx-backup)"
    # Like the generated files: 0640 with the group Asterisk reads its directory through.
    write_atomically(path.parent, path.name, f"{initial}\n{line}\n")
    return f"{path}: created with {line}"


def _has_section(path: Path, name: str) -> bool:
    """Whether ``path`` opens ``[name]`` itself (not in a comment)."""
    if not path.is_file():
        return False
    header = f"[{name}]"
    text = path.read_text(encoding="utf-8", errors="replace")
    return any(line.strip().startswith(header) for line in text.splitlines())


def _call_records(settings: Settings, directory: Path) -> list[str]:
    """CEL on, with our CSV mapping: the records the history recovery reads back. Our part
    adds to the admin's [general] / [mappings] when the file has one (Debian's cel.conf has)."""
    config_dir = settings.asterisk.config_dir
    done = []
    for name, render, section in (
        ("cel.conf", cel.cel_conf, "general"),
        ("cel_custom.conf", cel.cel_custom_conf, "mappings"),
    ):
        top = config_dir / name
        write_atomically(directory, name, render(extend=_has_section(top, section)))
        done.append(_ensure_include(top, f"{GENERATED_DIR}/{name}", ""))
    log_dir = settings.asterisk.log_dir
    target = log_dir / cel.CEL_FILE
    if log_dir.is_dir():
        # cel_custom writes only into an existing directory, as Asterisk's user.
        target.parent.mkdir(exist_ok=True)
        owner = log_dir.stat()
        os.chown(target.parent, owner.st_uid, owner.st_gid)
        done.append(f"{target.parent}: Asterisk writes its call records (CEL) to {target.name}")
    else:
        done.append(
            f"warning: {log_dir} does not exist: set asterisk.log_dir to Asterisk's log "
            "directory, or the history cannot be completed after an outage"
        )
    return done


def _phones_realtime(settings: Settings, directory: Path) -> list[str]:
    """Asterisk reads the phones from the controller's phones.sqlite3 (PJSIP realtime,
    controller.dialplan.phones): sorcery.conf, extconfig.conf and res_config_sqlite3.conf
    parts, added to the admin's sections when the top-level file has them."""
    config_dir = settings.asterisk.config_dir
    extend = [
        top for top, section in phones.ASTERISK_FILES.items()
        if _has_section(config_dir / top, section)
    ]  # fmt: skip
    database = phones.db_path(directory)
    done = []
    for name, text in phones.asterisk_files(str(database), extend).items():
        write_atomically(directory, name, text)
        done.append(_ensure_include(config_dir / name, f"{GENERATED_DIR}/{name}", ""))
    phones.connect(database).close()  # Asterisk opens it at start: it must exist
    done.append(
        f"{database}: the phones, read by Asterisk through res_config_sqlite3 and "
        "res_sorcery_realtime (restart Asterisk once so res_pjsip maps them)"
    )
    return done


def install(settings: Settings) -> list[str]:
    config_dir = settings.asterisk.config_dir
    directory = generated_dir(settings)
    prepare_directory(directory)
    done = []
    for generated, top in TOP_LEVEL.items():
        initial = {"queues.conf": QUEUES_GENERAL, "manager.conf": "[general]\nenabled=yes\n"}.get(
            top, ""
        )
        done.append(_ensure_include(config_dir / top, f"{GENERATED_DIR}/{generated}", initial))
    manager, note = manager_user_file(settings)
    write_atomically(directory, "manager.conf", manager)
    done.append(f"{directory / 'manager.conf'}: AMI user {settings.ami.username!r}")
    write_atomically(directory, "features.conf", FEATURES)
    done.append(f"{directory / 'features.conf'}: transfer keys ## (blind) and *2 (attended)")
    done += _call_records(settings, directory)
    done += _phones_realtime(settings, directory)
    if note:
        done.append(note)
    for spec in FILES:
        if not (directory / spec.name).exists():
            write_atomically(directory, spec.name, "; pbx-controller: not applied yet\n")
    done.append(
        "next: restart Asterisk (`systemctl restart asterisk`: res_pjsip reads sorcery.conf "
        "only when it starts), then `pbxctl dialplan apply`"
    )
    return done
