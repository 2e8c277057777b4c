#!/usr/bin/env python3
"""Writes a realistic Lambda log export of about SIZE_MB megabytes for bench/cold-starts.sh.

    python3 bench/gen_lambda_logs.py OUT.log SIZE_MB [--format text|jsonl]

text (default): `aws logs tail` detailed lines (`<ISO time> <stream> <message>`), i.e. what an
on-call engineer exports with `aws logs tail /aws/lambda/fn --since 1d > fn.log`.
jsonl: one `{"logStreamName", "timestamp", "message"}` object per line (filter-log-events
events through `jq -c '.events[]'`).

Per invocation: START, one to three application lines (some long), END, REPORT (current 1 ms
billing and some 100 ms-era lines, Init Duration on cold starts, an XRAY half after an
embedded newline on traced requests). Execution environments start with INIT_START; a
cold-start burst (ten times the usual rate, Init Duration x6) every few hours; now and then
an INIT_REPORT failure, a `Task timed out` line and a REPORT at the memory limit. About 200
invocations a minute, so 1 GB covers several days. Deterministic (seeded).
"""
import datetime
import json
import random
import sys


def main():
    out_path, size_mb = sys.argv[1], float(sys.argv[2])
    fmt = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--format" else "text"
    target = int(size_mb * 1024 * 1024)
    rng = random.Random(20261121)
    t = datetime.datetime(2026, 11, 1, 0, 0, tzinfo=datetime.timezone.utc)
    streams = ["2026/11/01/[$LATEST]%032x" % rng.getrandbits(128) for _ in range(40)]
    hexids = ["%032x" % rng.getrandbits(128) for _ in range(5000)]
    app = [
        "INFO\tprocessing order",
        "INFO\tfetched customer record from DynamoDB in 12 ms",
        "DEBUG\tcache miss for key orders/2026/11 (refreshing)",
        "WARN\tretrying downstream call (attempt 2): connection reset by peer",
        "INFO\t" + "{\"event\":\"order.created\",\"items\":[" + ",".join('{"sku":"SKU-%04d","qty":%d}' % (i, i % 3 + 1) for i in range(12)) + "]}",
    ]
    written = 0
    n = 0
    minute = 0
    with open(out_path, "w", buffering=1 << 22) as out:
        while written < target:
            burst = (minute % 360) in range(200, 207)
            per_min = 200
            cold_rate = 0.05 if burst else 0.005
            for i in range(per_min):
                ts = t + datetime.timedelta(minutes=minute, milliseconds=i * 290 + rng.randint(0, 200))
                stream = streams[rng.randrange(len(streams))]
                rid = "%s-%s-%s-%s-%s" % (hexids[n % 5000][:8], hexids[(n + 1) % 5000][:4], hexids[(n + 2) % 5000][:4],
                                          hexids[(n + 3) % 5000][:4], hexids[(n + 4) % 5000][:12])
                n += 1
                iso = ts.isoformat(timespec="microseconds")
                short = ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts.microsecond // 1000)
                lines = []
                cold = rng.random() < cold_rate
                if cold:
                    lines.append("INIT_START Runtime Version: python:3.12.v%d\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:%s" % (40 if minute < 5000 else 41, hexids[n % 5000] * 2))
                    if rng.random() < 0.01:
                        lines.append("INIT_REPORT Init Duration: %.2f ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError" % rng.uniform(200, 400))
                lines.append("START RequestId: %s Version: $LATEST" % rid)
                for _ in range(rng.randint(1, 3)):
                    lines.append("%s\t%s\t%s" % (short, rid, app[rng.randrange(len(app))]))
                if rng.random() < 0.0005:
                    lines.append("%s %s Task timed out after 3.00 seconds" % (short, rid))
                lines.append("END RequestId: %s" % rid)
                dur = rng.lognormvariate(3.6, 0.5)
                billed = int(dur) + 1 if rng.random() < 0.9 else (int(dur) // 100 + 1) * 100
                used = 256 if rng.random() < 0.0002 else rng.randint(70, 110)
                rep = "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: 256 MB\tMax Memory Used: %d MB\t" % (rid, dur, billed, used)
                if cold:
                    init = rng.uniform(250, 400) * (6 if burst else 1)
                    rep += "Init Duration: %.2f ms\t" % init
                if rng.random() < 0.1:
                    rep += "\nXRAY TraceId: 1-%s-%s\tSegmentId: %s\tSampled: true\t" % (hexids[n % 5000][:8], hexids[n % 5000][8:32], hexids[(n + 7) % 5000][:16])
                lines.append(rep)
                for msg in lines:
                    if fmt == "jsonl":
                        s = json.dumps({"logStreamName": stream, "timestamp": int(ts.timestamp() * 1000), "message": msg + "\n", "ingestionTime": int(ts.timestamp() * 1000) + 300, "eventId": "%037d" % n}) + "\n"
                    else:
                        s = "%s %s %s\n" % (iso, stream, msg)
                    out.write(s)
                    written += len(s)
            minute += 1
    print(f"{out_path}: {written / 1e6:.0f} MB, {n} invocations, {minute} minutes", file=sys.stderr)


if __name__ == "__main__":
    main()
