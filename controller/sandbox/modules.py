"""The one list of Asterisk modules the sandbox loads, and its ``modules.conf``.

``autoload=yes`` would load all ~350 modules of Debian's package: a slower boot, and
channel drivers that open ports on 0.0.0.0 (IAX2 on 4569). An explicit list boots in a
fraction of a second and listens on 127.0.0.1 only (AMI, plus what the caller configures).
Every name must exist in the chroot's module directory: :func:`missing_modules` checks that
before each start, so a package update that renames a module fails loudly.

Left out on purpose: cdr_* and the CEL backends but cel_custom (the controller writes its own
history; cel_custom writes the CEL file it reads back after an outage), chan_iax2/chan_unistim/
chan_motif/pbx_dundi (they open ports), func_shell and app_system (shell access from the
dialplan), ARI/Stasis and res_http_* (not used), app_voicemail_odbc (the plain file-storage
app_voicemail is the one we want).
chan_local (Local/), Background() and Wait() are built into the core, not modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

MODULES: tuple[str, ...] = (
    # Infrastructure other modules depend on.
    "res_timing_timerfd.so",  # timing source for MOH, playback and Local channel generators
    "res_sorcery_config.so",  # pjsip objects read from pjsip.conf
    "res_sorcery_memory.so",
    "res_sorcery_memory_cache.so",
    "res_sorcery_astdb.so",  # pjsip contacts from registrations persist in astdb
    "res_sorcery_realtime.so",  # phones: pjsip endpoints, auths, aors from realtime tables
    "res_config_sqlite3.so",  # ... in the controller's phones.sqlite3 (extconfig.conf)
    "res_pjproject.so",
    "res_rtp_asterisk.so",
    "res_musiconhold.so",
    "res_speech.so",  # res_agi links against it and fails to load without it
    "res_agi.so",  # AGI(agi://...) FastAGI, the controller's routing hook
    "res_manager_devicestate.so",  # DeviceStateChange events over AMI
    "res_manager_presencestate.so",
    "res_clioriginate.so",  # "channel originate" on the CLI, handy in tests
    # PJSIP: phones (registrar, digest auth), trunks (outbound registration/auth), BLF.
    "chan_pjsip.so",
    "res_pjsip.so",
    "res_pjsip_session.so",
    "res_pjsip_sdp_rtp.so",
    "res_pjsip_authenticator_digest.so",
    "res_pjsip_outbound_authenticator_digest.so",
    "res_pjsip_endpoint_identifier_user.so",
    "res_pjsip_endpoint_identifier_ip.so",  # trunks matched by source address
    "res_pjsip_registrar.so",
    "res_pjsip_outbound_registration.so",
    "res_pjsip_acl.so",
    "res_pjsip_nat.so",
    "res_pjsip_path.so",
    "res_pjsip_caller_id.so",
    "res_pjsip_diversion.so",
    "res_pjsip_rfc3326.so",  # Reason header: hangup causes from the far end
    "res_pjsip_header_funcs.so",  # PJSIP_HEADER()
    "res_pjsip_dtmf_info.so",
    "res_pjsip_empty_info.so",
    "res_pjsip_refer.so",  # transfers from phones
    "res_pjsip_notify.so",
    "res_pjsip_logger.so",  # "pjsip set logger on" when a test needs to see SIP
    "res_pjsip_pubsub.so",
    "res_pjsip_outbound_publish.so",  # res_pjsip_exten_state fails to load without it
    "res_pjsip_exten_state.so",  # BLF subscriptions
    "res_pjsip_mwi.so",
    "res_pjsip_mwi_body_generator.so",
    "res_pjsip_pidf_body_generator.so",
    "res_pjsip_pidf_eyebeam_body_supplement.so",
    "res_pjsip_dialog_info_body_generator.so",
    "func_pjsip_endpoint.so",
    "func_pjsip_contact.so",
    "func_pjsip_aor.so",  # PJSIP_DIAL_CONTACTS()
    # Bridging.
    "bridge_simple.so",
    "bridge_softmix.so",
    "bridge_native_rtp.so",
    "bridge_holding.so",
    "bridge_builtin_features.so",  # DTMF transfer/hangup features
    "bridge_builtin_interval_features.so",  # Dial() L() limits
    # Dialplan.
    "pbx_config.so",  # extensions.conf
    # Applications.
    "app_dial.so",
    "app_queue.so",
    "app_playback.so",
    "app_read.so",
    "app_readexten.so",
    "app_senddtmf.so",
    "app_mixmonitor.so",
    "app_voicemail.so",
    "app_chanspy.so",
    "app_exec.so",
    "app_verbose.so",
    "app_stack.so",  # Gosub/Return
    "app_directed_pickup.so",
    "app_originate.so",
    "app_playtones.so",
    "app_waituntil.so",
    "app_while.so",
    "app_echo.so",
    "app_milliwatt.so",  # a tone source for audio checks
    "app_record.so",
    "app_controlplayback.so",
    "app_userevent.so",  # UserEvent(): a test marker on the AMI stream
    "app_celgenuserevent.so",  # CELGenUserEvent(): call attributes in the CEL record
    "app_transfer.so",
    "app_channelredirect.so",
    "app_softhangup.so",
    # Dialplan functions.
    "func_strings.so",
    "func_logic.so",
    "func_callerid.so",
    "func_channel.so",
    "func_global.so",
    "func_db.so",
    "func_devstate.so",  # DEVICE_STATE(Custom:...) for queue agents without phones
    "func_extstate.so",
    "func_presencestate.so",
    "func_timeout.so",
    "func_math.so",
    "func_cut.so",
    "func_env.so",
    "func_hangupcause.so",
    "func_dialplan.so",  # DIALPLAN_EXISTS()
    "func_groupcount.so",  # GROUP()/GROUP_COUNT() call limits
    "func_export.so",
    "func_uri.so",
    "res_cdrel_custom.so",  # what cel_custom.so is built on (Asterisk 22.8 and later)
    "cel_custom.so",  # Asterisk's own call records, read back after a controller outage
    "func_rand.so",
    "func_uuid.so",
    "func_vmcount.so",
    # Codecs and file formats (the sounds and MOH packages are GSM; recordings are WAV).
    "codec_gsm.so",
    "codec_ulaw.so",
    "codec_alaw.so",
    "codec_a_mu.so",
    "codec_g722.so",
    "codec_resample.so",
    "format_gsm.so",
    "format_wav.so",
    "format_wav_gsm.so",
    "format_pcm.so",
    "format_sln.so",
)


def render_modules_conf(modules: Iterable[str] = MODULES) -> str:
    """A ``modules.conf`` that loads exactly ``modules`` and nothing else."""
    lines = [
        "; Generated by the pbx-controller sandbox: explicit list, nothing autoloaded.",
        "[modules]",
        "autoload=no",
    ]
    lines += [f"load => {name}" for name in modules]
    return "\n".join(lines) + "\n"


def missing_modules(module_dir: Path, modules: Sequence[str] = MODULES) -> list[str]:
    """The names in ``modules`` with no file in ``module_dir``."""
    return [name for name in modules if not (module_dir / name).is_file()]
