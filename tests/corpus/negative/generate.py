#!/usr/bin/env python3
"""Generate the NEGATIVE test corpus for tracefix.

Every file written here is ordinary log output in some real-world format.
None of it contains a stack trace (Python, Java, Go, Rust, Node, ...), so the
engine must report ZERO events on every file.  The content is deliberately
tricky: it mentions "Traceback", "Exception", "panic:", "at com.example.Foo",
has ERROR lines followed by indented blocks, caret (^^^^) art, very long
lines, invalid UTF-8, NUL bytes, tabs and CRLF line endings.

Python 3 standard library only; fully deterministic (fixed seed, fixed clock).
Run from anywhere:

    python3 tests/corpus/negative/generate.py

The output files are written next to this script and are committed to the
repository, so the Rust tests never need Python.  At the end the script runs
a self-check that rejects any line resembling a real trace frame/header, so a
careless edit cannot silently turn this into a positive corpus.
"""

import datetime as _dt
import json
import os
import random
import re
import sys

SEED = 20261121
OUT_DIR = os.path.dirname(os.path.abspath(__file__))
BASE = _dt.datetime(2026, 11, 21, 10, 0, 0, tzinfo=_dt.timezone.utc)

# --------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------


class Clock:
    """Monotonic fake clock driven by the shared RNG."""

    def __init__(self, rng, start=BASE, max_step_ms=4000):
        self.rng = rng
        self.t = start
        self.max_step_ms = max_step_ms

    def tick(self):
        self.t += _dt.timedelta(
            milliseconds=self.rng.randint(1, self.max_step_ms),
            microseconds=self.rng.randint(0, 999),
        )
        return self.t


def iso_ms(t):  # 2026-11-21T10:00:00.123Z
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def iso_ns(t, rng):  # 2026-11-21T10:00:00.123456789Z (RFC3339Nano)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d%03dZ" % (t.microsecond, rng.randint(0, 999))


def py_asctime(t):  # 2026-11-21 10:00:00,123
    return t.strftime("%Y-%m-%d %H:%M:%S,") + "%03d" % (t.microsecond // 1000)


def clf(t):  # 21/Nov/2026:10:00:00 +0000
    return t.strftime("%d/%b/%Y:%H:%M:%S +0000")


def b(s):
    return s.encode("utf-8") if isinstance(s, str) else s


IPS = ["10.0.3.17", "10.0.3.18", "192.168.1.44", "172.16.8.2", "203.0.113.7",
       "198.51.100.23", "2001:db8::1f", "127.0.0.1", "100.64.12.9", "10.244.1.33"]
UAS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "curl/8.10.1",
    "kube-probe/1.31",
    "Prometheus/2.55.0",
    "python-requests/2.32.3",
    "Go-http-client/1.1",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
    "ELB-HealthChecker/2.0",
]
PATHS = ["/", "/index.html", "/api/v1/orders", "/api/v1/orders/8812", "/api/v1/users/me",
         "/healthz", "/readyz", "/metrics", "/static/app.3f9a1c.js", "/static/style.css",
         "/favicon.ico", "/login", "/logout", "/search?q=traceback+python",
         "/search?q=java.lang.NullPointerException", "/docs/errors#Exception",
         "/blog/how-to-read-a-traceback", "/wp-login.php", "/.env", "/api/v2/panic-button",
         "/robots.txt", "/api/v1/payments?status=declined"]
USERS = ["alice", "bob", "carol", "dave", "erin", "-"]
HOSTS = ["web-01", "web-02", "db-01", "worker-3", "edge-lb", "build-7"]


# --------------------------------------------------------------------------
# format families
# --------------------------------------------------------------------------


def gen_access(rng):
    """nginx combined / apache common+combined / vhost_combined access logs."""
    ck = Clock(rng, max_step_ms=900)
    out = []
    for i in range(420):
        t = ck.tick()
        ip = rng.choice(IPS)
        method = rng.choice(["GET"] * 6 + ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"])
        path = rng.choice(PATHS)
        status = rng.choice([200] * 10 + [201, 204, 301, 302, 304, 400, 401, 403, 404, 404, 499, 500, 502, 503, 504])
        size = 0 if status in (204, 304) else rng.randint(120, 98000)
        ref = rng.choice(["-", "https://example.com/", "https://example.com/search?q=Exception+handling",
                          "https://www.google.com/"])
        ua = rng.choice(UAS)
        kind = i % 4
        if kind == 0:   # nginx combined with request time
            out.append('%s - %s [%s] "%s %s HTTP/1.1" %d %d "%s" "%s" rt=%.3f uct="%.3f"'
                       % (ip, rng.choice(USERS), clf(t), method, path, status, size, ref, ua,
                          rng.random() * 2, rng.random() / 10))
        elif kind == 1:  # apache common
            out.append('%s - %s [%s] "%s %s HTTP/1.0" %d %s'
                       % (ip, rng.choice(USERS), clf(t), method, path, status, size or "-"))
        elif kind == 2:  # apache vhost_combined
            out.append('www.example.com:443 %s - - [%s] "%s %s HTTP/2.0" %d %d "%s" "%s"'
                       % (ip, clf(t), method, path, status, size, ref, ua))
        else:           # nginx json-ish custom "main_ext" format
            out.append('%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s" "%s" host="api.example.com" upstream="10.0.7.%d:8080" upstream_status=%d'
                       % (ip, clf(t), method, path, status, size, ua, rng.choice(["-", "203.0.113.9"]),
                          rng.randint(2, 40), status))
    # scanner noise that mentions trace-ish words in the URL
    t = ck.tick()
    out.append('203.0.113.66 - - [%s] "GET /cgi-bin/Traceback%%20(most%%20recent%%20call%%20last) HTTP/1.1" 404 153 "-" "masscan/1.3"' % clf(t))
    out.append('203.0.113.66 - - [%s] "GET /at/com.example.Foo.bar(Foo.java HTTP/1.1" 400 157 "-" "zgrab/0.x"' % clf(ck.tick()))
    out.append('203.0.113.66 - - [%s] "\\x16\\x03\\x01\\x00\\xa5\\x01\\x00\\x00\\xa1\\x03\\x03" 400 157 "-" "-"' % clf(ck.tick()))
    out.append('198.51.100.5 - - [%s] "GET /search?q=panic%%3A+runtime+error HTTP/1.1" 200 5120 "-" "%s"' % (clf(ck.tick()), UAS[0]))
    return out


def gen_web_error(rng):
    """nginx error.log and apache 2.4 error_log."""
    ck = Clock(rng, max_step_ms=20000)
    out = []
    nginx_msgs = [
        '*{cid} connect() failed (111: Connection refused) while connecting to upstream, client: {ip}, server: api.example.com, request: "GET /api/v1/orders HTTP/1.1", upstream: "http://10.0.7.12:8080/api/v1/orders", host: "api.example.com"',
        '*{cid} upstream timed out (110: Connection timed out) while reading response header from upstream, client: {ip}, server: _, request: "POST /api/v1/payments HTTP/1.1", upstream: "http://10.0.7.14:8080/api/v1/payments"',
        '*{cid} open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory), client: {ip}, server: localhost, request: "GET /favicon.ico HTTP/1.1"',
        '*{cid} client intended to send too large body: 10485761 bytes, client: {ip}, server: upload.example.com, request: "POST /upload HTTP/1.1"',
        '*{cid} SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: {ip}, server: 0.0.0.0:443',
        'signal process started',
        '*{cid} upstream sent too big header while reading response header from upstream, client: {ip}, server: app.example.com',
        '*{cid} recv() failed (104: Connection reset by peer) while reading response header from upstream, client: {ip}',
        'using the "epoll" event method',
        'start worker process {pid}',
    ]
    apache_msgs = [
        ("mpm_event:notice", "AH00489: Apache/2.4.62 (Debian) configured -- resuming normal operations"),
        ("core:notice", "AH00094: Command line: '/usr/sbin/apache2'"),
        ("proxy:error", "(111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:8000 (localhost:8000) failed"),
        ("proxy_http:error", "AH01114: HTTP: failed to make connection to backend: localhost"),
        ("authz_core:error", "AH01630: client denied by server configuration: /var/www/private"),
        ("php:error", "PHP Warning:  Undefined array key \"user\" in /var/www/html/index.php on line 12"),
        ("wsgi:error", "Exception occurred processing WSGI script '/srv/app/wsgi.py' was logged upstream; see application log"),
        ("ssl:warn", "AH01909: www.example.com:443:0 server certificate does NOT include an ID which matches the server name"),
        ("cgi:error", "End of script output before headers: report.cgi"),
    ]
    for i in range(170):
        t = ck.tick()
        if i % 2 == 0:
            lvl = rng.choice(["error", "error", "warn", "notice", "crit", "info"])
            msg = rng.choice(nginx_msgs).format(cid=rng.randint(1, 999999), ip=rng.choice(IPS),
                                                pid=rng.randint(1000, 65000))
            out.append("%s [%s] %d#%d: %s" % (t.strftime("%Y/%m/%d %H:%M:%S"), lvl,
                                              rng.randint(1000, 9999), rng.randint(0, 7), msg))
        else:
            mod, msg = rng.choice(apache_msgs)
            out.append("[%s.%06d %s] [%s] [pid %d:tid %d] [client %s:%d] %s"
                       % (t.strftime("%a %b %d %H:%M:%S"), t.microsecond, t.strftime("%Y"), mod,
                          rng.randint(1000, 9999), rng.randint(139000000000000, 140000000000000),
                          rng.choice(IPS), rng.randint(1024, 65535), msg))
    return out


def gen_syslog(rng):
    """RFC3164 syslog, RFC5424 syslog, journalctl short-iso/short-precise, kernel lines."""
    ck = Clock(rng, max_step_ms=7000)
    out = []
    progs = [
        ("sshd", "Accepted publickey for deploy from {ip} port {port} ssh2: ED25519 SHA256:Zk3q8pTn0c4mYtA1"),
        ("sshd", "Connection closed by authenticating user root {ip} port {port} [preauth]"),
        ("sshd", "error: kex_exchange_identification: Connection closed by remote host"),
        ("CRON", "(root) CMD (/usr/local/bin/backup.sh --quiet)"),
        ("systemd", "Started session-{n}.scope - Session {n} of User deploy."),
        ("systemd", "app.service: Main process exited, code=exited, status=1/FAILURE"),
        ("systemd", "app.service: Failed with result 'exit-code'."),
        ("systemd", "app.service: Scheduled restart job, restart counter is at {n}."),
        ("kernel", "[{up:.6f}] TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies."),
        ("kernel", "[{up:.6f}] EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none."),
        ("kernel", "[{up:.6f}] Out of memory: Killed process {pid} (python3) total-vm:4194304kB, anon-rss:3900000kB"),
        ("dockerd", "time=\"{iso}\" level=info msg=\"Container failed to exit within 10s of signal 15 - using the force\" container={cid}"),
        ("containerd", "time=\"{iso}\" level=error msg=\"failed to handle container TaskExit event\" error=\"context deadline exceeded\""),
        ("postfix/smtp", "{qid}: to=<ops@example.com>, relay=mx.example.com[203.0.113.25]:25, delay=0.41, status=sent (250 2.0.0 Ok)"),
        ("sudo", "deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl restart app"),
        ("app", "Error: connection refused (retrying in 5s)"),
        ("app", "worker exited: Exception budget exhausted, supervisor will restart it"),
        ("gunicorn", "[{pid}] [INFO] Booting worker with pid: {pid}"),
        ("gunicorn", "[{pid}] [CRITICAL] WORKER TIMEOUT (pid:{pid})"),
        ("NetworkManager", "<info>  [{up:.4f}] device (eth0): state change: activated -> deactivating (reason 'user-requested')"),
    ]
    for i in range(330):
        t = ck.tick()
        prog, tmpl = rng.choice(progs)
        msg = tmpl.format(ip=rng.choice(IPS), port=rng.randint(1024, 65535), n=rng.randint(1, 9999),
                          up=rng.random() * 900000, pid=rng.randint(100, 65000), iso=iso_ms(t),
                          cid="%012x" % rng.getrandbits(48), qid="%010X" % rng.getrandbits(40))
        host = rng.choice(HOSTS)
        pid = "" if prog == "kernel" else "[%d]" % rng.randint(100, 65000)
        style = i % 4
        if style == 0:   # RFC3164 (BSD)
            out.append("%s %2d %s %s %s%s: %s" % (t.strftime("%b"), t.day, t.strftime("%H:%M:%S"),
                                                  host, prog, pid, msg))
        elif style == 1:  # RFC5424
            out.append("<%d>1 %s %s %s %s - - %s" % (rng.choice([30, 27, 86, 13]), iso_ms(t), host, prog,
                                                    pid.strip("[]") or "-", msg))
        elif style == 2:  # journalctl -o short-iso-precise
            out.append("%s%s+00:00 %s %s%s: %s" % (t.strftime("%Y-%m-%dT%H:%M:%S."), "%06d" % t.microsecond,
                                                   host, prog, pid, msg))
        else:             # journalctl -o short-precise
            out.append("%s %s.%06d %s %s%s: %s" % (t.strftime("%b %d"), t.strftime("%H:%M:%S"),
                                                   t.microsecond, host, prog, pid, msg))
    out.append("-- Boot 5d1f0e9a3c8b4f0aa2b1c7d6e5f40312 --")
    out.append("-- No entries --")
    return out


def gen_k8s(rng):
    """`kubectl get events` table output, `kubectl describe` Events section, klog lines."""
    ck = Clock(rng, max_step_ms=9000)
    out = ["LAST SEEN   TYPE      REASON              OBJECT                                  MESSAGE"]
    events = [
        ("Normal", "Scheduled", "pod/api-7d9f8b6c5-x2lqk", "Successfully assigned prod/api-7d9f8b6c5-x2lqk to node-3"),
        ("Normal", "Pulling", "pod/api-7d9f8b6c5-x2lqk", 'Pulling image "registry.example.com/api:1.42.0"'),
        ("Normal", "Pulled", "pod/api-7d9f8b6c5-x2lqk", 'Successfully pulled image "registry.example.com/api:1.42.0" in 2.113s (2.113s including waiting). Image size: 48211337 bytes.'),
        ("Normal", "Created", "pod/api-7d9f8b6c5-x2lqk", "Created container api"),
        ("Normal", "Started", "pod/api-7d9f8b6c5-x2lqk", "Started container api"),
        ("Warning", "BackOff", "pod/worker-5f6c7d8e9-qq7rm", "Back-off restarting failed container worker in pod worker-5f6c7d8e9-qq7rm_prod(0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0)"),
        ("Warning", "Unhealthy", "pod/api-7d9f8b6c5-x2lqk", "Readiness probe failed: Get \"http://10.244.1.33:8080/readyz\": dial tcp 10.244.1.33:8080: connect: connection refused"),
        ("Warning", "FailedScheduling", "pod/batch-28861234-abcde", "0/5 nodes are available: 2 Insufficient memory, 3 node(s) had untolerated taint {node.kubernetes.io/disk-pressure: }. preemption: 0/5 nodes are available: 5 No preemption victims found for incoming pod."),
        ("Warning", "OOMKilling", "node/node-2", "Memory cgroup out of memory: Killed process 81234 (python) total-vm:2871264kB"),
        ("Normal", "ScalingReplicaSet", "deployment/api", "Scaled up replica set api-7d9f8b6c5 to 4 from 3"),
        ("Normal", "SuccessfulCreate", "job/batch-28861234", "Created pod: batch-28861234-abcde"),
        ("Normal", "Completed", "job/batch-28861234", "Job completed"),
        ("Warning", "FailedMount", "pod/db-0", 'MountVolume.SetUp failed for volume "config" : configmap "db-config" not found'),
        ("Warning", "Failed", "pod/web-6c5b4a3-zz9k1", 'Error: ErrImagePull'),
        ("Warning", "Failed", "pod/web-6c5b4a3-zz9k1", 'Failed to pull image "web:latst": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/web:latst": not found'),
        ("Normal", "Killing", "pod/api-7d9f8b6c5-x2lqk", "Stopping container api"),
        ("Warning", "CrashLoopBackOff", "pod/worker-5f6c7d8e9-qq7rm", "Container exited with code 1; last log line mentioned a Python Traceback, see pod logs"),
    ]
    for i in range(90):
        typ, reason, obj, msg = rng.choice(events)
        age = rng.choice(["%ds" % rng.randint(1, 59), "%dm" % rng.randint(1, 59), "%dm%ds" % (rng.randint(1, 9), rng.randint(0, 59))])
        out.append("%-11s %-9s %-19s %-39s %s" % (age, typ, reason, obj, msg))
    out.append("")
    out.append("Name:             worker-5f6c7d8e9-qq7rm")
    out.append("Namespace:        prod")
    out.append("Status:           Running")
    out.append("    State:          Waiting")
    out.append("      Reason:       CrashLoopBackOff")
    out.append("    Last State:     Terminated")
    out.append("      Reason:       Error")
    out.append("      Exit Code:    1")
    out.append("Events:")
    out.append("  Type     Reason     Age                  From               Message")
    out.append("  ----     ------     ----                 ----               -------")
    for i in range(12):
        typ, reason, obj, msg = rng.choice(events)
        out.append("  %-8s %-10s %-20s %-18s %s" % (typ, reason, "%dm (x%d over %dm)" % (rng.randint(1, 9), rng.randint(2, 40), rng.randint(10, 90)), "kubelet", msg))
    out.append("")
    # klog (kubelet / controller-manager) lines
    for i in range(60):
        t = ck.tick()
        sev = rng.choice("IIIIIWWE")
        src = rng.choice(["kubelet.go:2468", "pod_workers.go:1301", "reflector.go:561", "controller.go:115",
                          "event.go:389", "prober.go:107", "scheduler.go:333"])
        msg = rng.choice([
            '"SyncLoop (PLEG): event for pod" pod="prod/api-7d9f8b6c5-x2lqk" event={"ID":"0b1c2d3e","Type":"ContainerStarted"}',
            '"Probe failed" probeType="Readiness" pod="prod/api-7d9f8b6c5-x2lqk" probeResult="failure" output="HTTP probe failed with statuscode: 503"',
            '"Error syncing pod, skipping" err="failed to \\"StartContainer\\" for \\"worker\\" with CrashLoopBackOff" pod="prod/worker-5f6c7d8e9-qq7rm"',
            'k8s.io/client-go/informers/factory.go:160: watch of *v1.Pod ended with: an error on the server ("unable to decode an event from the watch stream") has prevented the request from succeeding',
            '"Event occurred" object="prod/api" fieldPath="" kind="Deployment" apiVersion="apps/v1" type="Normal" reason="ScalingReplicaSet"',
            '"Attempting to schedule pod" pod="prod/batch-28861234-abcde"',
        ])
        out.append("%s%s %s %7d %s] %s" % (sev, t.strftime("%m%d"), t.strftime("%H:%M:%S.") + "%06d" % t.microsecond,
                                           rng.randint(1, 99999), src, msg))
    return out


def gen_logfmt(rng):
    """logfmt as emitted by Heroku routers, Grafana/Loki, go-kit, logrus text formatter."""
    ck = Clock(rng, max_step_ms=3000)
    out = []
    for i in range(230):
        t = ck.tick()
        k = i % 5
        if k == 0:
            out.append('at=info method=%s path="%s" host=app.example.com request_id=%s fwd="%s" dyno=web.%d connect=%dms service=%dms status=%d bytes=%d protocol=https'
                       % (rng.choice(["GET", "POST"]), rng.choice(PATHS), "%032x" % rng.getrandbits(128), rng.choice(IPS),
                          rng.randint(1, 4), rng.randint(0, 3), rng.randint(2, 900), rng.choice([200, 200, 302, 404, 503]), rng.randint(100, 40000)))
        elif k == 1:
            out.append('at=error code=H12 desc="Request timeout" method=GET path="/reports/export" host=app.example.com request_id=%s fwd="%s" dyno=web.2 connect=0ms service=30000ms status=503 bytes=0'
                       % ("%032x" % rng.getrandbits(128), rng.choice(IPS)))
        elif k == 2:
            out.append('ts=%s caller=%s level=%s component=%s msg="%s"%s'
                       % (iso_ms(t), rng.choice(["main.go:88", "ingester.go:512", "compactor.go:301", "flush.go:143"]),
                          rng.choice(["info", "info", "debug", "warn", "error"]),
                          rng.choice(["ingester", "querier", "distributor", "compactor"]),
                          rng.choice(["flushing stream", "query completed", "compaction failed, will retry", "panic recovered counter reset", "caught Exception-free shutdown signal", "stack size limit raised"]),
                          rng.choice(["", " err=\"context canceled\"", " duration=1.2s", " tenant=fake"])))
        elif k == 3:
            out.append('time="%s" level=%s msg="%s" error="%s" retries=%d'
                       % (t.strftime("%Y-%m-%dT%H:%M:%SZ"), rng.choice(["warning", "error", "info"]),
                          rng.choice(["failed to renew lease", "upstream unavailable", "job finished", "retrying request"]),
                          rng.choice(["dial tcp 10.0.0.5:5432: connect: connection refused", "EOF", "ValueError: invalid literal in config key 'port' (handled)", "<nil>", "panic: averted by rate limiter"]),
                          rng.randint(0, 5)))
        else:
            out.append('t=%s lvl=%s msg="%s" logger=%s %s'
                       % (t.strftime("%Y-%m-%dT%H:%M:%S+0000"), rng.choice(["info", "dbug", "eror", "warn"]),
                          rng.choice(["Request Completed", "HTTP Server Listen", "Alert rule evaluated", "Failed to send alert notification"]),
                          rng.choice(["context", "server", "ngalert", "notifier.slack"]),
                          'userId=%d orgId=1 uname=%s status=%d remote_addr=%s' % (rng.randint(1, 40), rng.choice(USERS[:-1]), rng.choice([200, 401, 500]), rng.choice(IPS))))
    return out


def gen_json(rng):
    """JSON lines: Bunyan, pino, structlog, python-json-logger, zap, logstash, ECS.
    Deliberately no exception/stack/exc_info fields."""
    ck = Clock(rng, max_step_ms=2500)
    out = []
    msgs = ["request completed", "user logged in", "cache miss", "payment declined", "retrying upstream call",
            "scheduled job finished", "config reloaded", "Exception rate below threshold",
            "see \"Traceback (most recent call last):\" section in FAQ for decoding crash reports",
            "connection pool exhausted", "Error: connection refused", "panic mode disabled",
            "ValueError: count must be positive -- rejected user input, returning 400"]
    for i in range(330):
        t = ck.tick()
        k = i % 7
        msg = rng.choice(msgs)
        if k == 0:   # bunyan
            rec = {"name": "orders", "hostname": rng.choice(HOSTS), "pid": rng.randint(100, 9000),
                   "level": rng.choice([20, 30, 30, 40, 50]), "req_id": "%08x" % rng.getrandbits(32),
                   "msg": msg, "time": iso_ms(t), "v": 0}
        elif k == 1:  # pino
            rec = {"level": rng.choice([30, 30, 40, 50]), "time": int(t.timestamp() * 1000), "pid": rng.randint(100, 9000),
                   "hostname": rng.choice(HOSTS), "reqId": "req-%d" % rng.randint(1, 9999),
                   "res": {"statusCode": rng.choice([200, 404, 500])}, "responseTime": round(rng.random() * 300, 3),
                   "msg": msg}
        elif k == 2:  # structlog JSONRenderer
            rec = {"event": msg, "level": rng.choice(["info", "warning", "error"]), "logger": "app.billing",
                   "timestamp": iso_ms(t), "user_id": rng.randint(1, 99999), "amount_cents": rng.randint(100, 50000)}
        elif k == 3:  # python-json-logger
            rec = {"asctime": py_asctime(t), "levelname": rng.choice(["INFO", "WARNING", "ERROR"]), "name": "app.api",
                   "message": msg, "filename": "views.py", "lineno": rng.randint(10, 400), "funcName": "create_order"}
        elif k == 4:  # zap production
            rec = {"level": rng.choice(["info", "warn", "error"]), "ts": round(t.timestamp(), 6),
                   "caller": "server/handler.go:%d" % rng.randint(20, 300), "msg": msg,
                   "method": "GET", "path": rng.choice(PATHS), "latency": "%dms" % rng.randint(1, 900)}
        elif k == 5:  # logstash / ECS
            rec = {"@timestamp": iso_ms(t), "log.level": rng.choice(["info", "error"]), "message": msg,
                   "ecs.version": "1.6.0", "service.name": "checkout", "event.dataset": "checkout.log",
                   "error.type": None, "http.response.status_code": rng.choice([200, 402, 500]),
                   "labels": {"region": "eu-west-1", "note": "at com.example.Foo we trust"}}
        else:          # serilog compact / winston
            rec = {"@t": iso_ms(t), "@mt": "Processed {OrderId} in {Elapsed} ms", "@l": rng.choice(["Information", "Warning", "Error"]),
                   "OrderId": rng.randint(1000, 9999), "Elapsed": rng.randint(1, 500), "SourceContext": "Shop.Orders.OrderService",
                   "Note": msg}
        out.append(json.dumps(rec, ensure_ascii=(i % 3 != 0), separators=(",", ":") if i % 2 else (", ", ": ")))
    # a few records with unicode, escaped newlines and nested ordinary payloads
    out.append(json.dumps({"level": "info", "msg": "multi-line note\nsecond line\n  indented third line", "time": iso_ms(ck.tick())}))
    out.append(json.dumps({"level": "warn", "msg": "Grüße aus Köln — ünïcödé ✓ 日本語 🚀", "time": iso_ms(ck.tick())}, ensure_ascii=False))
    out.append(json.dumps({"level": "error", "msg": "validation failed", "errors": [{"field": "email", "code": "invalid"}, {"field": "age", "code": "ValueError-like"}], "time": iso_ms(ck.tick())}))
    out.append("{\"level\":\"info\",\"msg\":\"truncated record because the writer was killed")
    out.append("not json at all, just a stray stdout line in a json stream")
    return out


def gen_python_logging(rng):
    """Python logging: basicConfig default, common custom formats, Django/uvicorn/celery."""
    ck = Clock(rng, max_step_ms=2000)
    out = []
    loggers = ["root", "app", "app.db", "app.api.views", "urllib3.connectionpool", "celery.worker.strategy",
               "uvicorn.access", "uvicorn.error", "django.request", "botocore.credentials", "asyncio"]
    msgs = [
        "Starting new HTTPS connection (1): api.example.com:443",
        'https://api.example.com:443 "GET /v1/items HTTP/1.1" 200 5123',
        "Found credentials in environment variables.",
        "Task app.tasks.send_email[3f0c1a2b-9d8e-4f7a-b6c5-d4e3f2a1b0c9] received",
        "Task app.tasks.send_email[3f0c1a2b-9d8e-4f7a-b6c5-d4e3f2a1b0c9] succeeded in 0.412s: None",
        "Application startup complete.",
        "Waiting for application shutdown.",
        "payment declined: KeyError-like code 42",
        "Not Found: /wp-login.php",
        "Bad Request: /api/v1/orders",
        "Internal Server Error: /api/v1/export (details suppressed, DEBUG=False)",
        "retrying in 2.0s after Exception count=3 (no traceback captured)",
        "Executing <Task pending name='Task-1' coro=<main() running at app.py:42>> took 0.153 seconds",
        "Unclosed client session",
        "database connection lost, reconnecting (attempt 2/5)",
        "ValueError: raised by user input was converted to HTTP 422 and not logged further",
        "celery@worker-3 ready.",
        'Connected to amqp://guest:**@rabbitmq:5672//',
        '127.0.0.1:51234 - "GET /healthz HTTP/1.1" 200',
    ]
    for i in range(330):
        t = ck.tick()
        lvl = rng.choice(["DEBUG", "INFO", "INFO", "INFO", "WARNING", "ERROR", "CRITICAL"])
        name = rng.choice(loggers)
        msg = rng.choice(msgs)
        k = i % 6
        if k == 0:   # basicConfig default BASIC_FORMAT
            out.append("%s:%s:%s" % (lvl, name, msg))
        elif k == 1:  # %(asctime)s %(levelname)s %(name)s: %(message)s
            out.append("%s %s %s: %s" % (py_asctime(t), lvl, name, msg))
        elif k == 2:  # %(asctime)s - %(name)s - %(levelname)s - %(message)s  (logging cookbook)
            out.append("%s - %s - %s - %s" % (py_asctime(t), name, lvl, msg))
        elif k == 3:  # [%(asctime)s] [%(process)d] [%(levelname)s] (gunicorn)
            out.append("[%s +0000] [%d] [%s] %s" % (t.strftime("%Y-%m-%d %H:%M:%S"), rng.randint(7, 90), lvl, msg))
        elif k == 4:  # uvicorn / colorless
            out.append("%s:%s%s" % (lvl, " " * (9 - len(lvl) - 1 + 1), msg))
        else:         # celery worker format
            out.append("[%s: %s/%s] %s" % (py_asctime(t), lvl, rng.choice(["MainProcess", "ForkPoolWorker-1", "ForkPoolWorker-2"]), msg))
    # warnings module output (file:line: Category: message) is not a trace
    out.append("/srv/app/venv/lib/python3.12/site-packages/urllib3/connectionpool.py:1099: InsecureRequestWarning: Unverified HTTPS request is being made to host 'internal.example.com'.")
    out.append("  warnings.warn(")
    out.append("/srv/app/settings.py:41: DeprecationWarning: 'USE_L10N' is deprecated")
    out.append("  USE_L10N = True")
    out.append("%s INFO app: shutdown complete" % py_asctime(ck.tick()))
    return out


def gen_java(rng):
    """log4j2 / logback / Spring Boot INFO-level lines (no stack frames)."""
    ck = Clock(rng, max_step_ms=2500)
    out = []
    classes = ["o.s.b.w.embedded.tomcat.TomcatWebServer", "o.s.boot.SpringApplication", "com.example.orders.OrderService",
               "com.zaxxer.hikari.HikariDataSource", "org.hibernate.orm.deprecation", "c.e.payments.PaymentClient",
               "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator", "com.example.Foo"]
    msgs = [
        "Tomcat started on port 8080 (http) with context path '/'",
        "Started Application in 6.412 seconds (process running for 7.03)",
        "HikariPool-1 - Starting...",
        "HikariPool-1 - Added connection org.postgresql.jdbc.PgConnection@5e1fc2aa",
        "HHH90000025: PostgreSQLDialect does not need to be specified explicitly",
        "[Consumer clientId=consumer-orders-1, groupId=orders] Adjusting the committed offset to 1882",
        "Order 8812 created for customer 51",
        "Payment provider returned status=DECLINED reason=insufficient_funds",
        "request handled at com.example.Foo in 12 ms",
        "No exception mapper registered for type java.lang.IllegalStateException; using defaults",
        "Retrying call to inventory-service (attempt 2 of 3): Exception suppressed by policy",
        "Caught and handled: NullPointerException avoided via Optional in OrderMapper",
    ]
    threads = ["main", "http-nio-8080-exec-1", "http-nio-8080-exec-7", "kafka-coordinator-heartbeat-thread | orders", "scheduling-1"]
    for i in range(180):
        t = ck.tick()
        lvl = rng.choice(["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"])
        cls = rng.choice(classes)
        msg = rng.choice(msgs)
        k = i % 3
        if k == 0:   # Spring Boot default
            out.append("%s  %5s %d --- [orders] [%15s] %-40s : %s"
                       % (t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+00:00" % (t.microsecond // 1000), lvl,
                          rng.randint(1, 99), rng.choice(threads)[-15:], cls[-40:], msg))
        elif k == 1:  # log4j PatternLayout %d [%t] %-5p %c - %m%n
            out.append("%s [%s] %-5s %s - %s" % (py_asctime(t), rng.choice(threads), lvl, cls, msg))
        else:         # logback default %d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n
            out.append("%s [%s] %-5s %s - %s" % (t.strftime("%H:%M:%S.") + "%03d" % (t.microsecond // 1000),
                                                 rng.choice(threads), lvl, cls[-36:], msg))
    # Spring banner (ASCII art, leading spaces and backslashes)
    out.extend([
        "",
        "  .   ____          _            __ _ _",
        " /\\\\ / ___'_ __ _ _(_)_ __  __ _ \\ \\ \\ \\",
        "( ( )\\___ | '_ | '_| | '_ \\/ _` | \\ \\ \\ \\",
        " \\\\/  ___)| |_)| | | | | || (_| |  ) ) ) )",
        "  '  |____| .__|_| |_|_| |_\\__, | / / / /",
        " =========|_|==============|___/=/_/_/_/",
        "",
        " :: Spring Boot ::                (v3.3.5)",
        "",
    ])
    return out


def gen_go(rng):
    """Go standard `log` package lines (with and without Lshortfile), slog text."""
    ck = Clock(rng, max_step_ms=3000)
    out = []
    msgs = [
        "listening on :8080",
        "http: TLS handshake error from 203.0.113.7:51514: EOF",
        "http: Accept error: accept tcp [::]:8080: accept4: too many open files; retrying in 5ms",
        "shutting down gracefully, press Ctrl+C again to force",
        "recovered from panic in handler /api/v1/export, returning 500 (stack logging disabled)",
        "config: using defaults for missing key \"timeout\"",
        "worker 3: job 8812 done in 1.21s",
        "dial tcp 10.0.0.5:5432: connect: connection refused",
        "the word panic: appears here only as prose",
        "goroutines running: 42 (threshold 1000)",
    ]
    for i in range(180):
        t = ck.tick()
        msg = rng.choice(msgs)
        k = i % 3
        if k == 0:
            out.append("%s %s" % (t.strftime("%Y/%m/%d %H:%M:%S"), msg))
        elif k == 1:
            out.append("%s.%06d %s:%d: %s" % (t.strftime("%Y/%m/%d %H:%M:%S"), t.microsecond,
                                               rng.choice(["main.go", "server.go", "worker.go"]), rng.randint(10, 400), msg))
        else:          # log/slog TextHandler
            out.append('time=%s level=%s msg="%s" worker=%d'
                       % (t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000),
                          rng.choice(["INFO", "WARN", "ERROR", "DEBUG"]), msg.replace('"', '\\"'), rng.randint(1, 8)))
    return out


def gen_rails(rng):
    """Rails production.log request blocks (with tagged request ids)."""
    ck = Clock(rng, max_step_ms=1500)
    out = []
    routes = [("GET", "/orders", "OrdersController#index", "html"), ("POST", "/orders", "OrdersController#create", "json"),
              ("GET", "/users/51", "UsersController#show", "html"), ("PATCH", "/users/51", "UsersController#update", "json"),
              ("GET", "/search?q=Exception", "SearchController#index", "html")]
    while len(out) < 260:
        t = ck.tick()
        rid = "%08x-%04x-%04x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16),
                                              rng.getrandbits(16), rng.getrandbits(48))
        tag = "[%s] " % rid
        pid = rng.randint(1, 999)
        m, path, action, fmt = rng.choice(routes)
        status = rng.choice([200, 200, 200, 302, 404, 422])
        out.append('I, [%s #%d]  INFO -- : %sStarted %s "%s" for %s at %s +0000'
                   % (t.strftime("%Y-%m-%dT%H:%M:%S.%f"), pid, tag, m, path, rng.choice(IPS),
                      t.strftime("%Y-%m-%d %H:%M:%S")))
        out.append("I, [%s #%d]  INFO -- : %sProcessing by %s as %s" % (t.strftime("%Y-%m-%dT%H:%M:%S.%f"), pid, tag, action, fmt.upper()))
        if m != "GET":
            out.append('I, [%s #%d]  INFO -- : %s  Parameters: {"order"=>{"sku"=>"A-1", "qty"=>"2"}, "authenticity_token"=>"[FILTERED]"}'
                       % (t.strftime("%Y-%m-%dT%H:%M:%S.%f"), pid, tag))
        out.append('D, [%s #%d] DEBUG -- : %s  Order Load (0.%dms)  SELECT "orders".* FROM "orders" WHERE "orders"."user_id" = $1 LIMIT $2  [["user_id", 51], ["LIMIT", 25]]'
                   % (t.strftime("%Y-%m-%dT%H:%M:%S.%f"), pid, tag, rng.randint(1, 9)))
        if status == 422:
            out.append("W, [%s #%d]  WARN -- : %sValidation failed: Qty must be greater than 0 (ActiveRecord::RecordInvalid handled)"
                       % (t.strftime("%Y-%m-%dT%H:%M:%S.%f"), pid, tag))
        if status == 404:
            out.append("I, [%s #%d]  INFO -- : %s  Rendered errors/not_found.html.erb within layouts/application (Duration: 1.2ms | Allocations: 310)"
                       % (t.strftime("%Y-%m-%dT%H:%M:%S.%f"), pid, tag))
        out.append("I, [%s #%d]  INFO -- : %sCompleted %d %s in %dms (Views: %.1fms | ActiveRecord: %.1fms | Allocations: %d)"
                   % (t.strftime("%Y-%m-%dT%H:%M:%S.%f"), pid, tag, status,
                      {200: "OK", 302: "Found", 404: "Not Found", 422: "Unprocessable Content"}[status],
                      rng.randint(2, 400), rng.random() * 50, rng.random() * 20, rng.randint(100, 90000)))
    # development-mode (untagged) style
    out.append('Started GET "/assets/application.css" for 127.0.0.1 at 2026-11-21 10:59:01 +0000')
    out.append("Processing by Rails::WelcomeController#index as HTML")
    out.append("  Rendering /usr/local/bundle/gems/railties-7.2.2/lib/rails/templates/rails/welcome/index.html.erb")
    out.append("  Rendered /usr/local/bundle/gems/railties-7.2.2/lib/rails/templates/rails/welcome/index.html.erb (Duration: 0.9ms | Allocations: 412)")
    out.append("Completed 200 OK in 6ms (Views: 2.1ms | ActiveRecord: 0.0ms | Allocations: 1821)")
    return out


def gen_postgres(rng):
    """PostgreSQL server log (log_line_prefix = '%m [%p] %q%u@%d ')."""
    ck = Clock(rng, max_step_ms=6000)
    out = []
    entries = [
        [("LOG", "checkpoint starting: time")],
        [("LOG", "checkpoint complete: wrote 412 buffers (2.5%); 0 WAL file(s) added, 0 removed, 1 recycled; write=41.210 s, sync=0.012 s, total=41.260 s")],
        [("LOG", "duration: 1532.118 ms  statement: SELECT count(*) FROM orders WHERE created_at > now() - interval '1 day'")],
        [("ERROR", 'duplicate key value violates unique constraint "users_email_key"'),
         ("DETAIL", "Key (email)=(alice@example.com) already exists."),
         ("STATEMENT", "INSERT INTO users (email, name) VALUES ($1, $2)")],
        [("ERROR", 'relation "odrers" does not exist at character 15'),
         ("STATEMENT", "SELECT * FROM odrers LIMIT 10")],
        [("ERROR", "canceling statement due to statement timeout"),
         ("CONTEXT", "while updating tuple (12,7) in relation \"inventory\""),
         ("STATEMENT", "UPDATE inventory SET qty = qty - 1 WHERE sku = 'A-1'")],
        [("FATAL", 'password authentication failed for user "report"'),
         ("DETAIL", 'Connection matched file "/etc/postgresql/16/main/pg_hba.conf" line 98: "host all all 0.0.0.0/0 scram-sha-256"')],
        [("ERROR", "deadlock detected"),
         ("DETAIL", "Process 4121 waits for ShareLock on transaction 99812; blocked by process 4188.\n\tProcess 4188 waits for ShareLock on transaction 99811; blocked by process 4121.\n\tProcess 4121: UPDATE accounts SET balance = balance - 10 WHERE id = 1\n\tProcess 4188: UPDATE accounts SET balance = balance + 10 WHERE id = 2"),
         ("HINT", "See server log for query details."),
         ("CONTEXT", "while updating tuple (0,5) in relation \"accounts\"")],
        [("WARNING", "there is no transaction in progress")],
        [("LOG", "connection received: host=10.0.3.17 port=51514")],
        [("LOG", "connection authorized: user=app database=shop application_name=psql SSL enabled (protocol=TLSv1.3, cipher=TLS_AES_256_GCM_SHA384, bits=256)")],
        [("LOG", "disconnection: session time: 0:00:02.118 user=app database=shop host=10.0.3.17 port=51514")],
        [("ERROR", "invalid input syntax for type integer: \"ValueError\""),
         ("CONTEXT", "unnamed portal parameter $1 = '...'"),
         ("STATEMENT", "SELECT * FROM orders WHERE id = $1")],
        [("ERROR", "Exception in PL/pgSQL function: custom error raised by check_stock()"),
         ("CONTEXT", "PL/pgSQL function check_stock() line 7 at RAISE"),
         ("STATEMENT", "SELECT check_stock('A-1')")],
        [("LOG", "automatic vacuum of table \"shop.public.orders\": index scans: 1\n\tpages: 0 removed, 9120 remain, 9120 scanned (100.00% of total)\n\ttuples: 311 removed, 201882 remain, 0 are dead but not yet removable\n\tavg read rate: 12.118 MB/s, avg write rate: 3.201 MB/s")],
    ]
    while len(out) < 230:
        t = ck.tick()
        pid = rng.randint(1000, 9999)
        prefix = "%s.%03d UTC [%d] " % (t.strftime("%Y-%m-%d %H:%M:%S"), t.microsecond // 1000, pid)
        user = rng.choice(["app@shop ", "report@shop ", "postgres@postgres ", ""])
        for sev, text in rng.choice(entries):
            lines = text.split("\n")
            out.append("%s%s%s:  %s" % (prefix, user if sev != "LOG" or "duration" in lines[0] else "", sev, lines[0]))
            out.extend(lines[1:])
    # multi-line SQL statement (indented continuation lines, as postgres logs them)
    t = ck.tick()
    out.append("%s.%03d UTC [4242] app@shop ERROR:  syntax error at or near \"FORM\" at character 32" % (t.strftime("%Y-%m-%d %H:%M:%S"), t.microsecond // 1000))
    out.append("%s.%03d UTC [4242] app@shop STATEMENT:  SELECT id," % (t.strftime("%Y-%m-%d %H:%M:%S"), t.microsecond // 1000))
    out.append("\t       total_cents")
    out.append("\t  FORM orders")
    out.append("\t WHERE status = 'paid'")
    out.append("\t ORDER BY id DESC;")
    return out


def docker_wrap(rng, ck, lines, stream="stdout"):
    out = []
    for line in lines:
        out.append(json.dumps({"log": line + "\n", "stream": stream, "time": iso_ns(ck.tick(), rng)},
                              separators=(",", ":")))
    return out


def gen_docker(rng):
    """Docker json-file driver records wrapping ordinary lines from other families."""
    ck = Clock(rng, max_step_ms=1200)
    sub = random.Random(SEED + 1)
    src = (gen_python_logging(sub)[:60] + gen_go(sub)[:40] + gen_access(sub)[:40] + gen_json(sub)[:30])
    sub.shuffle(src)
    out = []
    for i, line in enumerate(src):
        stream = "stderr" if i % 5 == 0 else "stdout"
        out.extend(docker_wrap(rng, ck, [line], stream))
    # a blank application line and one with a CR (progress bar style)
    out.extend(docker_wrap(rng, ck, ["", "Downloading model index  42%\r", "\tindented with a tab, still ordinary"]))
    # a > 16 KiB line split by dockerd into partial records (no trailing \n on the first ones)
    long_line = "INFO bulk: ids=" + ",".join(str(sub.randint(100000, 999999)) for _ in range(3000))
    chunks = [long_line[i:i + 16384] for i in range(0, len(long_line), 16384)]
    for j, c in enumerate(chunks):
        payload = c + ("\n" if j == len(chunks) - 1 else "")
        out.append(json.dumps({"log": payload, "stream": "stdout", "time": iso_ns(ck.tick(), rng)},
                              separators=(",", ":")))
    # tricky near-misses wrapped in docker records
    out.extend(docker_wrap(rng, ck, [
        '%s INFO docs: see "Traceback (most recent call last):" section in the FAQ' % py_asctime(ck.t),
        "%s ERROR app: payment declined: KeyError-like code 42" % py_asctime(ck.t),
        "Error: connection refused",
        "npm notice New minor version of npm available! 10.8.2 -> 10.9.0",
        "> app@1.4.2 start",
        "> node server.js",
        "Server listening at http://0.0.0.0:3000 (Exception handler installed)",
    ], "stderr"))
    return out


def gen_cri(rng):
    """CRI (containerd/CRI-O) log lines: '<RFC3339Nano> <stream> <P|F> <content>'."""
    ck = Clock(rng, max_step_ms=1200)
    sub = random.Random(SEED + 2)
    src = (gen_python_logging(sub)[:50] + gen_java(sub)[:40] + gen_k8s(sub)[-40:] + gen_logfmt(sub)[:40] + gen_rails(sub)[:30])
    out = []
    for i, line in enumerate(src):
        stream = "stderr" if i % 4 == 0 else "stdout"
        out.append("%s %s F %s" % (iso_ns(ck.tick(), rng), stream, line))
    # partial (P) lines that reassemble into one long ordinary line
    long_line = "INFO:app.export:exported rows " + " ".join("row%d=ok" % k for k in range(2500))
    chunks = [long_line[i:i + 8192] for i in range(0, len(long_line), 8192)]
    for j, c in enumerate(chunks):
        tag = "F" if j == len(chunks) - 1 else "P"
        out.append("%s stdout %s %s" % (iso_ns(ck.tick(), rng), tag, c))
    # empty content, tricky near misses
    out.append("%s stdout F " % iso_ns(ck.tick(), rng))
    out.append('%s stdout F %s INFO docs: see "Traceback (most recent call last):" section in the FAQ' % (iso_ns(ck.tick(), rng), py_asctime(ck.t)))
    out.append("%s stderr F Error: connection refused" % iso_ns(ck.tick(), rng))
    out.append("%s stderr F %s ERROR app: payment declined: KeyError-like code 42" % (iso_ns(ck.tick(), rng), py_asctime(ck.t)))
    out.append("%s stdout F the tympanic: membrane report is ready" % iso_ns(ck.tick(), rng))
    out.append("%s stdout F     indented content line that merely follows an ERROR" % iso_ns(ck.tick(), rng))
    return out


def gen_tricky(rng):
    """Hand-written near-misses. Each block is ordinary output that only *looks* trace-ish."""
    ck = Clock(rng, max_step_ms=5000)

    def ts():
        return py_asctime(ck.tick())

    out = [
        '%s INFO docs: see "Traceback (most recent call last):" section in the FAQ' % ts(),
        "%s INFO docs: the FAQ explains how to read a Traceback and why the last line matters" % ts(),
        "%s DEBUG app: Traceback capture disabled by TRACEFIX_OFF=1" % ts(),
        "Traceback collection is enabled for worker-3 (sampling 1%)",
        "Tracebacks are stored in /var/log/app/crash/ and rotated daily",
        "%s INFO support: user pasted 'Traceback (most recent call last):' into ticket #4411, attached as file" % ts(),
        "%s INFO lint: rule W0719 says raise a specific Exception instead of Exception" % ts(),
        "%s WARNING parser: got ValueError: invalid literal for int() with base 10: 'abc' from user input; using default 0" % ts(),
        "%s INFO validator: field 'age' rejected (ValueError: must be >= 0) and reported to the client" % ts(),
        "%s INFO release-notes: fixed a bug where TypeError: 'NoneType' object is not subscriptable was shown to users" % ts(),
        "%s INFO audio: the tympanic: membrane simulation converged after 12 iterations" % ts(),
        "%s INFO ops: do not panic: the failover is expected during the maintenance window" % ts(),
        "%s INFO chat: user wrote \"panic: I forgot my password\" in the support widget" % ts(),
        "%s INFO router: request landed at com.example.Foo after two redirects" % ts(),
        "%s INFO team: meet us at com.example.Foo HQ, building 2" % ts(),
        '  File "notes.txt", line 3 is long',
        '  File "README", line endings were normalised to LF',
        "%s ERROR app: payment declined: KeyError-like code 42" % ts(),
        "%s ERROR app: upstream said 'Exception: quota exceeded' (HTTP 429); backing off" % ts(),
        "%s ERROR billing: invoice 8812 could not be generated; no stack trace available" % ts(),
        "%s CRITICAL app: disk almost full (97%%), refusing new uploads" % ts(),
        "Error: connection refused",
        "Error: connection refused",
        "error: could not lock config file .git/config: File exists",
        "fatal: not a git repository (or any of the parent directories): .git",
        "Exception handling middleware registered",
        "Exceptions: 0, Warnings: 3, Notices: 12",
        "ValueError and TypeError are both subclasses of Exception, see the tutorial.",
        "The above exception handling guide was updated.",
        "%s INFO docs: the phrase \"During handling of the above exception, another exception occurred:\" is explained in chapter 8" % ts(),
        "%s INFO docs: Java prints \"Caused by:\" lines; Go prints \"goroutine 1 [running]:\"; both are covered in the guide" % ts(),
        "%s INFO gc: stack size 8 MiB, heap 512 MiB, goroutines 311" % ts(),
        "%s INFO build: compiled 42 files; 0 errors; 0 warnings" % ts(),
        "",
        "%s ERROR config: invalid configuration, offending document follows" % ts(),
        "  apiVersion: v1",
        "  kind: ConfigMap",
        "  metadata:",
        "    name: app-config",
        "  data:",
        "    LOG_LEVEL: debug",
        "    ON_ERROR: \"raise\"",
        "    retries: \"three\"   # <- must be an integer",
        "%s INFO config: falling back to the previous configuration" % ts(),
        "",
        "%s ERROR db: slow query aborted, statement was:" % ts(),
        "    SELECT o.id, o.total_cents, c.email",
        "      FROM orders o",
        "      JOIN customers c ON c.id = o.customer_id",
        "     WHERE o.status = 'failed'",
        "       AND o.error_text LIKE '%Exception%'",
        "     ORDER BY o.created_at DESC",
        "     LIMIT 100;",
        "%s INFO db: query rescheduled for off-peak" % ts(),
        "",
        "%s ERROR api: upstream returned 502, body:" % ts(),
        "    {",
        '      "error": "Bad Gateway",',
        '      "message": "Traceback omitted in production",',
        '      "exception": null,',
        '      "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"',
        "    }",
        "%s INFO api: retry succeeded" % ts(),
        "",
        "%s ERROR config: parse error in settings.toml at line 3, column 11" % ts(),
        "    timeout = 30s",
        "              ^^^",
        "    expected an integer or a quoted string",
        "",
        "%s INFO banner:" % ts(),
        "       /\\_/\\",
        "      ( o.o )   tracefix says hi",
        "       > ^ <",
        "    ^^^^^^^^^^^^^^^",
        "    ~~~~^^^^^~~~~~~",
        "",
        "^^^^ top of the file was truncated by logrotate ^^^^",
        "=" * 72,
        "-" * 72,
        "",
        "",
        "%s WARNING lexer: unexpected token in template:" % ts(),
        "    {{ user.name | upper }",
        "                         ^",
        "%s INFO lexer: template compiled with fallback" % ts(),
        "",
        "\tTab-indented line that follows nothing in particular",
        "\t\tdouble tab, key=value\tanother=value",
        "    at the moment, four indented spaces then the word 'at' in prose",
        "    at noon the batch job will run again",
        "  in the meantime, see the runbook",
        "FAILED checks: 0 of 12 (all passed)",
        "%s INFO tests: 412 passed, 3 skipped, 0 failed in 12.41s" % ts(),
        "%s INFO rust: build finished; no panics recorded in the last 24h" % ts(),
        "%s INFO node: process.on('uncaughtException') handler registered" % ts(),
        "%s INFO docs: a Java stack frame names a method such as com.example.Foo.bar plus file and line; ours has none" % ts(),
    ]
    # repeat a pool of near-miss ERROR lines with no trace after them
    pool = [
        "ERROR app: payment declined: KeyError-like code %d",
        "ERROR worker: job %d failed: Exception budget exceeded, will retry later",
        "ERROR sync: ValueError: %d is not a valid page size (clamped)",
        "ERROR net: Error: connection refused (port %d)",
        "WARNING app: Traceback suppressed for request %d (PII)",
        "ERROR http: panic: label on button %d is misspelled (ticket UI-12)",
        "INFO docs: see \"Traceback (most recent call last):\" section %d in the FAQ",
        "ERROR router: no route at com.example.Foo for id %d",
    ]
    for i in range(120):
        out.append("%s %s" % (ts(), rng.choice(pool) % rng.randint(1, 65535)))
        if i % 10 == 9:
            out.append("")
    return out


def gen_iis_crlf(rng):
    """IIS W3C extended log with CRLF endings (returned as str lines; CRLF applied by writer)."""
    ck = Clock(rng, max_step_ms=4000)
    out = [
        "#Software: Microsoft Internet Information Services 10.0",
        "#Version: 1.0",
        "#Date: 2026-11-21 10:00:00",
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken",
    ]
    for i in range(160):
        t = ck.tick()
        out.append("%s %s 10.1.1.5 %s %s %s 443 %s %s %s %s %d %d %d %d"
                   % (t.strftime("%Y-%m-%d"), t.strftime("%H:%M:%S"), rng.choice(["GET", "POST"]),
                      rng.choice(["/default.aspx", "/api/orders", "/Error.aspx", "/Exception/Report.aspx"]),
                      rng.choice(["-", "aspxerrorpath=/Orders", "id=42"]), rng.choice(["-", "CORP\\alice"]),
                      rng.choice(IPS), rng.choice(UAS).replace(" ", "+"), "-",
                      rng.choice([200, 200, 302, 401, 404, 500]), rng.choice([0, 0, 2, 5]), rng.choice([0, 0, 64, 1236]),
                      rng.randint(1, 3000)))
    # Windows application-style lines
    for i in range(40):
        t = ck.tick()
        out.append("%s [%s] %s %s" % (t.strftime("%Y-%m-%d %H:%M:%S.") + "%04d" % (t.microsecond // 100),
                                      rng.choice(["INF", "WRN", "ERR"]), rng.choice(["Shop.Api", "Shop.Worker"]),
                                      rng.choice(["Request finished in 12.3ms 200 application/json",
                                                  "Unhandled exception count reset to 0",
                                                  "Error: connection refused by 10.1.1.9:1433",
                                                  "Hosting environment: Production",
                                                  "Content root path: C:\\inetpub\\shop"])))
    return out


def gen_mixed(rng):
    """Interleaving of every family plus binary/edge-case lines (bytes)."""
    sub = random.Random(SEED + 3)
    fams = [gen_access, gen_web_error, gen_syslog, gen_k8s, gen_logfmt, gen_json, gen_python_logging,
            gen_java, gen_go, gen_rails, gen_postgres, gen_tricky]
    pools = [f(random.Random(SEED + 10 + k)) for k, f in enumerate(fams)]
    out = []
    for i in range(300):
        pool = pools[sub.randrange(len(pools))]
        j = sub.randrange(len(pool))
        line = pool[j]
        # keep multi-line blocks (e.g. postgres DETAIL continuations) from being split oddly:
        # only take lines that are not continuations
        if line[:1] in (" ", "\t") or line == "":
            continue
        out.append(b(line))
    ck = Clock(rng, max_step_ms=3000)
    edge = [
        # invalid UTF-8: lone continuation byte, overlong, truncated multibyte, latin-1 text
        b"%s INFO upload: filename=r\xe9sum\xe9.pdf size=18211" % b(py_asctime(ck.tick())),
        b"%s WARNING decode: bad bytes \xff\xfe\xfd in header, replaced" % b(py_asctime(ck.tick())),
        b"%s INFO net: payload prefix \xc3\x28\xa0\xa1 (invalid utf-8, logged raw)" % b(py_asctime(ck.tick())),
        b"%s INFO tail: truncated multibyte at end \xe2\x82" % b(py_asctime(ck.tick())),
        b"\x80\x81\x82 leading garbage then text",
        b"%s ERROR app: Traceback capture failed: bytes \xed\xa0\x80 are a surrogate" % b(py_asctime(ck.tick())),
        # NUL bytes (e.g. from a preallocated / crashed writer)
        b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        b"%s INFO app: after NUL hole\x00 value=1\x00" % b(py_asctime(ck.tick())),
        b"\x00" * 512,
        # tabs
        b"%s\tINFO\tapp\tuser=alice\taction=login\tresult=ok" % b(py_asctime(ck.tick())),
        b"\t\t\t",
        # control chars, ANSI colours (colourised console logs)
        b"\x1b[32mINFO\x1b[0m:     127.0.0.1:51234 - \"GET /healthz HTTP/1.1\" \x1b[32m200 OK\x1b[0m",
        b"\x1b[31mERROR\x1b[0m app: payment declined: KeyError-like code 42",
        b"\x1b[1;33mWARNING\x1b[0m Exception counter at 3",
        b"progress 10%\rprogress 50%\rprogress 100%",
        b"bell\x07 backspace\x08 formfeed\x0c vertical-tab\x0b done",
        # BOM in the middle of the stream (a concatenated file)
        b"\xef\xbb\xbf%s INFO app: second file starts here with a BOM" % b(py_asctime(ck.tick())),
        b"",
        b"   ",
    ]
    # CRLF-terminated lines in the middle of an LF file (windows client appending)
    crlf = []
    for k in range(20):
        crlf.append(b("%s INFO winclient: sync step %d ok\r" % (py_asctime(ck.tick()), k)))
        if k == 4:
            crlf.append(b"Error: connection refused\r")
        elif k == 7:
            crlf.append(b('%s INFO docs: see "Traceback (most recent call last):" section in the FAQ\r' % py_asctime(ck.tick())))
        elif k == 9:
            crlf.append(b"\r")
    # very long lines (~20 KB)
    longs = [
        b("%s INFO bulk: processed ids=[%s]" % (py_asctime(ck.tick()), ", ".join(str(sub.randint(10 ** 8, 10 ** 9)) for _ in range(1900)))),
        b(json.dumps({"level": "info", "msg": "large payload echoed", "data": "".join(sub.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(20000))})),
        b('203.0.113.7 - - [%s] "GET /search?q=%s HTTP/1.1" 414 0 "-" "curl/8.10.1"' % (clf(ck.tick()), "A" * 20000)),
        b("%s INFO docs: %s" % (py_asctime(ck.tick()), " ".join(["the word Traceback and the word Exception appear in prose"] * 360))),
    ]
    # splice edge cases into the stream at fixed positions
    result = []
    step = max(1, len(out) // 4)
    chunks = [out[i:i + step] for i in range(0, len(out), step)]
    inserts = [edge, crlf, longs, []]
    for k, ch in enumerate(chunks):
        result.extend(ch)
        if k < len(inserts):
            result.extend(inserts[k])
    return result


# --------------------------------------------------------------------------
# writer + self-check
# --------------------------------------------------------------------------

FILES = [
    ("access.log", gen_access, "nginx/apache access logs (combined, common, vhost, custom)"),
    ("web-error.log", gen_web_error, "nginx error.log and apache 2.4 error_log"),
    ("syslog.log", gen_syslog, "RFC3164, RFC5424 and journalctl-style lines"),
    ("k8s-events.log", gen_k8s, "kubectl get events / describe output and klog lines"),
    ("logfmt.log", gen_logfmt, "logfmt (Heroku router, go-kit, logrus, Grafana)"),
    ("json.log", gen_json, "JSON lines: Bunyan, pino, structlog, python-json-logger, zap, ECS, Serilog"),
    ("python-logging.log", gen_python_logging, "Python logging formats, gunicorn/uvicorn/celery, warnings"),
    ("java.log", gen_java, "Spring Boot / log4j / logback lines and the Spring banner"),
    ("go.log", gen_go, "Go log package and slog text lines"),
    ("rails.log", gen_rails, "Rails production.log request blocks"),
    ("postgres.log", gen_postgres, "PostgreSQL server log with DETAIL/HINT/STATEMENT and tab continuations"),
    ("docker.log", gen_docker, "Docker json-file records (incl. 16 KiB partial split)"),
    ("cri.log", gen_cri, "CRI (containerd/CRI-O) lines incl. P/F partial lines"),
    ("tricky.log", gen_tricky, "hand-written near-misses"),
    ("iis-crlf.log", gen_iis_crlf, "IIS W3C log, CRLF line endings throughout"),
    ("mixed.log", gen_mixed, "interleaved families + invalid UTF-8, NUL, tabs, ANSI, CRLF, ~20 KB lines"),
]

# Patterns that would make a line (or a wrapped payload) part of a genuine trace.
FORBIDDEN = [
    (re.compile(rb"^\s*Traceback \(most recent call last\):"), "python traceback header at line start"),
    (re.compile(rb"(?<![\"'`])Traceback \(most recent call last\):"), "unquoted python traceback header"),
    (re.compile(rb"File \"[^\"]*\", line \d+, in "), "python frame"),
    (re.compile(rb"^\s*(During handling of the above exception|The above exception was the direct cause)"), "python chain marker"),
    (re.compile(rb"\bat [\w$.<>]+\((?:[\w$]+\.(?:java|kt|scala|groovy):\d+|Native Method|Unknown Source)\)"), "JVM frame"),
    (re.compile(rb"^\s+at \S+ \(.*:\d+:\d+\)"), "node frame"),
    (re.compile(rb"^\s*Caused by: "), "JVM cause"),
    (re.compile(rb"^\s*Exception in thread "), "JVM uncaught header"),
    (re.compile(rb"^panic: "), "Go panic header"),
    (re.compile(rb"^goroutine \d+ \["), "Go goroutine header"),
    (re.compile(rb"\.go:\d+ \+0x[0-9a-f]+"), "Go frame"),
    (re.compile(rb"panicked at "), "Rust panic"),
    (re.compile(rb"^\s*\d+: [\w:<>]+::"), "Rust backtrace frame"),
    (re.compile(rb"^Fatal Python error"), "faulthandler"),
    (re.compile(rb"\(most recent call first\)"), "faulthandler frames"),
]

CRI_RE = re.compile(rb"^\d{4}-\d\d-\d\dT\S+Z (?:stdout|stderr) [PF] ?")


def payloads(line):
    """The raw line plus any wrapped payload a container-aware engine would see."""
    yield line
    m = CRI_RE.match(line)
    if m:
        yield line[m.end():]
    if line.startswith(b"{"):
        try:
            obj = json.loads(line)
        except ValueError:
            return
        if isinstance(obj, dict):
            for key in ("log", "msg", "message", "event"):
                v = obj.get(key)
                if isinstance(v, str):
                    for part in v.split("\n"):
                        yield part.encode("utf-8", "surrogateescape")


def self_check(name, data):
    bad = []
    for n, line in enumerate(data.split(b"\n"), 1):
        line = line.rstrip(b"\r")
        for p in payloads(line):
            for rx, why in FORBIDDEN:
                if rx.search(p):
                    bad.append("%s:%d: %s: %r" % (name, n, why, p[:120]))
    return bad


def main():
    rng = random.Random(SEED)
    total_lines = 0
    total_bytes = 0
    problems = []
    report = []
    for name, fn, _desc in FILES:
        lines = fn(rng)
        if name == "iis-crlf.log":
            data = b"".join(b(l) + b"\r\n" for l in lines)
        else:
            data = b"".join(b(l) + b"\n" for l in lines)
        with open(os.path.join(OUT_DIR, name), "wb") as fh:
            fh.write(data)
        problems.extend(self_check(name, data))
        n = data.count(b"\n")
        total_lines += n
        total_bytes += len(data)
        report.append("%-20s %6d lines %9d bytes" % (name, n, len(data)))
    report.append("%-20s %6d lines %9d bytes" % ("TOTAL", total_lines, total_bytes))
    print("\n".join(report))
    if problems:
        print("SELF-CHECK FAILED: trace-like content found:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        return 1
    if total_lines < 1500 or total_bytes >= 2 * 1024 * 1024:
        print("SELF-CHECK FAILED: size constraints (>=1500 lines, <2 MiB)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
