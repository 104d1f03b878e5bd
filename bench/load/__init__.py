"""Ack latency, throughput, CPU and memory of the web process under load, against a bare Bolt app.

    python -m bench.load                   6 rounds of 2,000 requests per target, 200 at a time
    python -m bench.load --rounds 3 --requests 1000 --concurrency 50     a few minutes
    python -m bench.load --tls             Slack's API over HTTPS, as in production
    python -m bench.load --profile /tmp/web.prof    profile the bot too (cProfile), print its top
    python -m bench.load --bot-command "python -c '...'"   measure a variant of the bot
    python -m bench.load --workspaces 100  one deployment serving 100 installed workspaces
                                           ("Add to Slack") against the same bot serving one

The bot runs as in production: the Procfile's ``web:`` command (``python -m bot web``) as a
subprocess, with a real Redis (a dedicated database, emptied before and after) and the fake
Slack and Mistral APIs of ``tests/fakes`` on loopback, in this process. The fake Slack keeps
connections alive, as Slack does; with ``--tls`` it speaks HTTPS with a certificate made for
the run by a CA of its own, which the bot trusts through SSL_CERT_FILE. The same load goes to
``bench/bare_app.py``, a Bolt app on the same server stack that only acks, and the bot's
figures are given as ratios to it, because this machine is shared and absolute figures drift.

The load is a mix of what people do, repeated every 20 requests, each a signed request to
``/slack/events`` (traffic.py):

    3  app_home_opened        someone opens the app's Home tab: the checklist is published
    2  /mistral-setup         the checklist, answered on the command's response_url
    3  /mistral-setup done N  a step ticked off; Home is republished when it changed
    2  /mistral-setup next    what to do next
    3  /mistral-setup <question>   a question to the guide
    2  app_mention            "@bot <question>" in a channel (a help channel, say: the bot
                              answers a mention anywhere), answered in its thread...
    2  message (channels)     ...and the same post again, as Slack also delivers it to the
                              bot as message.channels; the bot sees the mention and drops it
    3  message (im)           a question in a DM (the Messages tab), answered in its thread

A fixed number of clients send them in a closed loop (client.py); the time from sending a
request to its HTTP response is the ack latency Slack sees. Non-2xx answers and failed
requests are errors. The server's CPU time (utime + stime in /proc/PID/stat) from a round's
first request until the server is idle again, divided by the requests, is its CPU per request:
the acks and all the work after them.

The two take turns: several rounds, each measuring both, the order alternating. A burst of
noise from a neighbour then spoils one round's ratio, not the verdict: throughput is judged on
the median of the rounds' ratios. The table pools every round. Each measurement waits for the
server it loaded to go idle, so none runs into the next.

After each round, the fake Slack must have received every command's reply (on its
response_url), every mention's and DM's reply (chat.postMessage, or chat.postEphemeral for a
command typed without its slash) and every Home tab (views.publish): proof that the work
after the ack was done, and how long it lagged behind the acks. Replies that only say Redis
was unreachable or that something went wrong are counted apart.

Goals: no errors at 200 concurrent requests, p99 ack well under Slack's 3 seconds, throughput
at least 70% of the bare app's, every reply sent.

With ``--workspaces N`` the baseline is the bot itself: the same load goes to the bot with
SLACK_BOT_TOKEN (one workspace) and to the bot with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET
and N workspaces installed in Redis, the requests spread over them, each signed as its
workspace's and answered with its token. Goal: at least 80% of the one-workspace throughput.
"""
