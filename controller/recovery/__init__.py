"""Complete the call history after an outage from Asterisk's own records (CEL, queue_log).

See docs/history.md ("After a crash or a stop") for what is guaranteed and how.
"""
