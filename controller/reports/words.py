"""Codes of the call history in words of both languages, (zh, en): what the reports' columns
and the call page show.

The history stores codes (``short_abandoned``, ``on_call``); a person reads words. The codes
stay in what machines read (CSV, the API's JSON); tables, workbooks and pages show these.
"""

from __future__ import annotations

# A call's outcome (controller.db.models.history.CallOutcome).
CALL_OUTCOMES: dict[str, tuple[str, str]] = {
    "answered": ("已接通", "answered"),
    "abandoned": ("放弃", "abandoned"),
    "callback": ("留下回拨请求", "left a callback request"),
    "voicemail": ("语音信箱", "voicemail"),
    "transferred": ("已转接", "transferred"),
    "unanswered": ("未接通", "unanswered"),
    "busy": ("忙", "busy"),
    "failed": ("失败", "failed"),
    "rejected": ("已拒绝(黑名单)", "rejected (blacklist)"),
    "closed": ("非工作时间", "closed (outside business hours)"),
}

# How a call left a queue (LegOutcome), and the abandoned report's kinds of lost calls.
QUEUE_OUTCOMES: dict[str, tuple[str, str]] = {
    "answered": ("已接通", "answered"),
    "transferred": ("已转接", "transferred"),
    "abandoned": ("放弃", "abandoned"),
    "short_abandoned": ("短时放弃", "short abandon"),
    "timeout": ("超时", "timed out"),
    "exit_key": ("按键离开", "left with a key"),
    "exit_empty": ("离开:无坐席", "left: no agents"),
    "no_agents": ("无坐席", "no agents"),
    "withdrawn": ("撤回", "withdrawn"),
    "full": ("队列满", "queue full"),
    "refused_full": ("被拒:队列已满", "refused: queue full"),
    "refused_empty": ("被拒:无坐席", "refused: no agents"),
    "refused_unavailable": ("被拒:无可用坐席", "refused: no agent available"),
}

# An agent's state (AgentState), and being logged out.
AGENT_STATES: dict[str, tuple[str, str]] = {
    "ready": ("就绪", "ready"),
    "ringing": ("振铃", "ringing"),
    "on_call": ("通话中", "on call"),
    "acw": ("话后处理", "after-call work"),
    "paused": ("小休", "paused"),
    "logged_out": ("已签出", "logged out"),
}

# A column's formula (Column.formula, written in English) in Chinese. Pure symbols read the
# same in both. tests/unit/reports/test_words.py fails when a formula has no entry.
FORMULAS_ZH: dict[str, str] = {
    "all its queues": "其所有队列之和",
    "the queue it left from": "离开时所在的队列",
    "'' = every agent": "'' = 全部坐席",
    "(on call + ACW) ÷ (ready + ringing + on call + ACW)": (
        "(通话 + 话后处理) ÷ (就绪 + 振铃 + 通话 + 话后处理)"
    ),
    "(talk + hold + ACW) ÷ handled": "(通话 + 保持 + 话后处理) ÷ 处理量",
    "calls talked on": "有通话的来电",
    "mean survey score": "满意度调查平均分",
    "rang, not answered": "振铃未接",
    "ready+ringing+on call+ACW+paused": "就绪+振铃+通话+话后处理+小休",
    "without hold": "不含保持",
    "answered (transferred included)": "接通(含转接)",
    "answered ÷ calls": "接通 ÷ 来电",
    "blacklisted": "黑名单",
    "hung up waiting in a queue": "在队列中等待时挂机",
    "inbound calls that started in the interval": "在该时段开始的呼入",
    "left a callback request": "留下回拨请求",
    "reached no one (timeout, no agents, IVR)": "未接通任何人(超时、无坐席、IVR)",
    "Σ wait of answered legs ÷ answered legs": "Σ 接通队列段的等待 ÷ 接通队列段数",
    "'' = all": "'' = 全部",
    "answered trunk legs": "接通的中继通话段",
    "billed seconds ÷ 60": "计费秒数 ÷ 60",
    "dearest allowed trunk": "允许的最贵中继",
    "dearest − cost": "最贵 − 费用",
    "no tariff for the number": "该号码无资费",
    "Σ fee + per minute × billed time": "Σ 接通费 + 每分钟费率 × 计费时长",
    "* = entered the menu; '' = left the IVR here without choosing": (
        "* = 进入菜单;'' = 未选择即在此离开 IVR"
    ),
    "'' = every number": "'' = 全部号码",
    "'' = every region": "'' = 全部归属地",
    "'' = whole center, each call once": "'' = 整个呼叫中心,每通电话计一次",
    "abandoned ÷ (offered − short)": "放弃 ÷ (呼入量 − 短时放弃)",
    "answered by an agent": "由坐席接听",
    "answered ÷ offered": "接通 ÷ 呼入量",
    "caller hung up, wait > S": "来电者挂机,等待 > S",
    "center only": "仅呼叫中心",
    "handlings": "处理次数",
    "left empty or refused": "无坐席离开或被拒绝",
    "legs entered or refused": "进入或被拒绝的队列段",
    "wait ≤ S": "等待 ≤ S",
    "Σ wait answered ÷ answered": "Σ 接通的等待 ÷ 接通",
    "a key pressed": "按了一个键",
    "after the agent hung up": "坐席挂机后",
    "top two keys ÷ answered": "最高两个键 ÷ 回答数",
    "Σ score ÷ answered": "Σ 分数 ÷ 回答数",
    "A = calls × AHT ÷ interval": "A = 来电 × AHT ÷ 时段长度",
    "Lq ÷ λ, all callers": "Lq ÷ λ,所有来电者",
    "answered ≤ T ÷ calls": "T 内接通 ÷ 来电",
    "offered (× growth, or the what-if)": "呼入量(× 增长系数,或假设值)",
    "smallest N > A meeting SL": "满足服务水平的最小 N > A",
    "with patience": "考虑耐心时长",
    # The service-level formulas (service_level.FORMULAS).
    "answered≤T ÷ answered": "T 内接通 ÷ 接通",
    "answered≤T ÷ (answered + abandoned)": "T 内接通 ÷ (接通 + 放弃)",
    "answered≤T ÷ (answered + abandoned>T)": "T 内接通 ÷ (接通 + 超过 T 放弃)",
    "(answered≤T + abandoned≤T) ÷ (answered + abandoned)": "(T 内接通 + T 内放弃) ÷ (接通 + 放弃)",
    "answered≤T ÷ (answered + abandoned − short abandoned≤S)": (
        "T 内接通 ÷ (接通 + 放弃 − S 内短时放弃)"
    ),
    # Symbols only: the same in both languages.
    "T": "T",
    "A ÷ N": "A ÷ N",
    "C·AHT ÷ (N − A)": "C·AHT ÷ (N − A)",
    "1 − C·e^(−(N−A)T/AHT)": "1 − C·e^(−(N−A)T/AHT)",
    "θ·Lq ÷ λ": "θ·Lq ÷ λ",
    "λ(1 − P(ab)) ÷ Nμ": "λ(1 − P(ab)) ÷ Nμ",
    "⌈N ÷ (1 − s)⌉": "⌈N ÷ (1 − s)⌉",
}


def formula(text: str, language: str) -> str:
    """A column's formula in ``language`` (its English text when there is no Chinese)."""
    return FORMULAS_ZH.get(text, text) if language.startswith("zh") else text


def in_language(vocabulary: dict[str, tuple[str, str]], language: str) -> dict[str, str]:
    """A vocabulary's words in one language, by code."""
    index = 0 if language.startswith("zh") else 1
    return {code: pair[index] for code, pair in vocabulary.items()}
