#!/usr/bin/env python3
"""Self-test of the emulator harness: seed every scenario of seed.py (each into its own
region, so they can't mix) and read it back with boto3 through cwproxy.

    tests/emulator/with-emulator.sh sh -c '"$GWDOCTOR_EMULATOR_PYTHON" tests/emulator/check_seed.py'

Checks what gwdoctor will rely on: API Gateway config (GetResources embed=methods with
methodIntegration, GetStages methodSettings, GetAuthorizers, apigatewayv2 routes/integrations/
stages), Lambda functions, and the metric shapes (p50/p99/Maximum/Sum by GetMetricData,
ExtendedStatistics by GetMetricStatistics). Prints one line per check; exits 1 on a failure.
Options: --endpoint URL (default $GWDOCTOR_TEST_ENDPOINT), --only SCENARIO, --json (print
each scenario's seed.py output).
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
REGIONS = {"backend-slow": "us-east-2", "cold-start": "us-west-1", "gateway-overhead": "us-west-2",
           "healthy": "eu-west-1", "no-metrics": "eu-west-2", "http-api": "eu-central-1",
           "bench-50": "ap-southeast-1", "cold-start-logs": "ap-south-1"}
FAILS = []


def check(ok, what, detail=""):
    print(f"  {'ok  ' if ok else 'FAIL'} {what}{(': ' + detail) if detail else ''}")
    if not ok:
        FAILS.append(what)


class Reader:
    def __init__(self, endpoint, region):
        cfg = Config(retries={"max_attempts": 1}, proxies={})
        s = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                  region_name=region)
        self.gw = s.client("apigateway", endpoint_url=endpoint, config=cfg)
        self.gw2 = s.client("apigatewayv2", endpoint_url=endpoint, config=cfg)
        self.lam = s.client("lambda", endpoint_url=endpoint, config=cfg)
        self.cw = s.client("cloudwatch", endpoint_url=endpoint, config=cfg)
        self.logs = s.client("logs", endpoint_url=endpoint, config=cfg)

    def log_messages(self, group, pattern=""):
        """Every message of a log group, following nextToken (FilterLogEvents)."""
        out, token, pages = [], None, 0
        while True:
            kw = {"logGroupName": group, "filterPattern": pattern}
            if token:
                kw["nextToken"] = token
            r = self.logs.filter_log_events(**kw)
            pages += 1
            out += [e["message"] for e in r["events"]]
            token = r.get("nextToken")
            if not token:
                return out

    def series(self, out, ns, name, dims, stat, minutes=None):
        """{minute k before now: value} for one metric/stat over the seeded window."""
        now = out["now"]
        minutes = minutes or out["minutes"] or 30
        r = self.cw.get_metric_data(
            StartTime=datetime.datetime.fromtimestamp(now - 60 * minutes, datetime.timezone.utc),
            EndTime=datetime.datetime.fromtimestamp(now, datetime.timezone.utc),
            MetricDataQueries=[{"Id": "q", "ReturnData": True, "MetricStat": {
                "Metric": {"Namespace": ns, "MetricName": name,
                           "Dimensions": [{"Name": k, "Value": v} for k, v in dims]},
                "Period": 60, "Stat": stat}}])
        res = r["MetricDataResults"][0]
        return {round((now - t.timestamp()) / 60): v for t, v in zip(res["Timestamps"], res["Values"])}


def peak_base(s):
    peak = {k: v for k, v in s.items() if 18 <= k <= 24}
    base = {k: v for k, v in s.items() if not 18 <= k <= 24}
    return peak, base


def fmt(s):
    return "{" + ", ".join(f"{k}:{v:g}" for k, v in sorted(s.items(), reverse=True)) + "}"


def rest_config(rd, out, auth=False, non_proxy=None):
    items = rd.gw.get_resources(restApiId=out["api_id"], embed=["methods"], limit=500)["items"]
    methods = [(i["path"], m, v) for i in items for m, v in (i.get("resourceMethods") or {}).items()]
    want = sum(len(r["methods"]) for r in out["resources"])
    check(len(methods) == want, "GetResources embed=methods lists every method", f"{len(methods)}/{want}")
    with_int = [x for x in methods if "methodIntegration" in x[2]]
    check(len(with_int) == want, "embed=methods carries methodIntegration for every method",
          f"{len(with_int)}/{want}")
    arns = set(out["function_arns"].values())
    ok = all(any(a in x[2]["methodIntegration"].get("uri", "") for a in arns) for x in with_int)
    check(ok, "integration uri = arn:aws:apigateway:REGION:lambda:path/.../functions/<arn>/invocations",
          with_int[0][2]["methodIntegration"]["uri"] if with_int else "")
    types = sorted({(p, m, x["methodIntegration"]["type"]) for p, m, x in with_int})
    if non_proxy:
        np_ = [t for t in types if t[2] == "AWS"]
        check([(p, m) for p, m, _ in np_] == [non_proxy], "one non-proxy AWS integration", str(np_))
        integ = rd.gw.get_integration(restApiId=out["api_id"], resourceId=[i["id"] for i in items if i["path"] == non_proxy[0]][0],
                                      httpMethod=non_proxy[1])
        check(bool(integ.get("requestTemplates", {}).get("application/json")), "GetIntegration returns requestTemplates")
    else:
        check(all(t[2] == "AWS_PROXY" for t in types), "all integrations AWS_PROXY")
    st = rd.gw.get_stages(restApiId=out["api_id"])["item"]
    prod = [s for s in st if s["stageName"] == "prod"]
    ms = (prod[0].get("methodSettings") or {}).get("*/*", {}) if prod else {}
    check(ms.get("loggingLevel") == "INFO" and ms.get("metricsEnabled") is True,
          "GetStages methodSettings['*/*'] loggingLevel INFO + metricsEnabled", json.dumps(ms)[:120])
    if auth:
        az = rd.gw.get_authorizers(restApiId=out["api_id"])["items"]
        check(len(az) == 1 and az[0]["type"] == "TOKEN" and az[0].get("authorizerResultTtlInSeconds") == 0,
              "GetAuthorizers: one TOKEN authorizer, TTL 0", json.dumps(az)[:160])
        check(all(x[2].get("authorizationType") == "CUSTOM" and x[2].get("authorizerId") == az[0]["id"]
                  for x in methods), "every method uses the authorizer (CUSTOM + authorizerId)")
    for fn in out["functions"]:
        c = rd.lam.get_function(FunctionName=fn)["Configuration"]
        check(c["FunctionArn"] == out["function_arns"][fn], f"Lambda {fn} exists", c["FunctionArn"])


def gw_dims(out, method=None, resource=None):
    if out["api_type"] == "HTTP":
        d = [("ApiId", out["api_id"]), ("Stage", "prod")]
        return d + [("Route", resource)] if resource else d
    d = [("ApiName", out["api_name"]), ("Stage", "prod")]
    return d + [("Method", method), ("Resource", resource)] if method else d


def check_logs(rd, out):
    """cold-start-logs: the log groups hold what the scenario promises, and the proxy applies
    OR filter patterns."""
    g = out["log_groups"]
    cold = rd.log_messages(g[out["log_functions"][0]], '?"REPORT"')
    check(len(cold) == 45 * 12, "coldstart-fn: 540 REPORT lines through ?\"REPORT\"", str(len(cold)))
    every = rd.log_messages(g[out["log_functions"][0]])
    check(len(every) > len(cold), "no pattern: START/END/app lines too", f"{len(every)} vs {len(cold)}")
    inits = [m for m in cold if "Init Duration" in m]
    check(len(inits) >= 7 * 8, "coldstart-fn: the burst's cold starts", str(len(inits)))
    check(any("\nXRAY TraceId: 1-" in m for m in cold), "coldstart-fn: XRAY after an embedded newline")
    steady = rd.log_messages(g[out["log_functions"][1]], '?"REPORT"')
    check(all("ms \tMemory Size" in m for m in steady), "steady-fn: 100 ms-era Billed Duration (space before TAB)")
    sym = "\n".join(rd.log_messages(g[out["log_functions"][2]], '?"REPORT" ?"INIT_REPORT" ?"Task timed out" ?"INIT_START"'))
    for what in ("Status: error", "Status: timeout", "Task timed out after 3.00 seconds", "python:3.12.v41",
                 "Max Memory Used: 128 MB", "signal: killed"):
        check(what in sym, f"symptoms-fn: {what}")
    snap = rd.log_messages(g[out["log_functions"][3]], '?"platform.report"')
    check(snap and all(m.startswith('{"time"') for m in snap), "snapstart-fn: JSON platform records", str(len(snap)))
    check(any("restoreDurationMs" in m for m in snap), "snapstart-fn: restoreDurationMs")
    cfg = rd.lam.get_function_configuration(FunctionName=out["log_functions"][3])
    check(cfg.get("LoggingConfig", {}).get("LogGroup") == g[out["log_functions"][3]], "snapstart-fn: stubbed LoggingConfig")


def check_scenario(rd, name, out):
    ns = "AWS/ApiGateway"
    fn = out["functions"][0]
    ldims = [("FunctionName", fn)]
    s = lambda n, st, dims=None, nsp=ns: rd.series(out, nsp, n, dims or gw_dims(out), st)  # noqa: E731
    if name in ("backend-slow", "cold-start", "gateway-overhead", "healthy"):
        rest_config(rd, out, auth=(name == "gateway-overhead"),
                    non_proxy=("/orders", "POST") if name == "gateway-overhead" else None)
        lat, integ = s("Latency", "p99"), s("IntegrationLatency", "p99")
        check(len(lat) == 30 and len(integ) == 30, "30 one-minute points (Latency, IntegrationLatency p99)",
              f"{len(lat)}, {len(integ)}")
        lp, lb = peak_base(lat)
        ip, ib = peak_base(integ)
        dur = s("Duration", "p99", ldims, "AWS/Lambda")
        dp, db = peak_base(dur)
        cnt = s("Count", "Sum")
        check(all(150 <= v <= 250 for v in cnt.values()), "Count Sum ~200/min", fmt(cnt)[:80])
        e5 = s("5XXError", "Sum")
        per = gw_dims(out, "GET", "/orders")
        pl = s("Latency", "p99", per)
        check(len(pl) == 30, "per-method Latency (ApiName, Method, Resource, Stage) has 30 points", str(len(pl)))
        print(f"       Latency p99 {fmt(lat)}")
        print(f"       IntegrationLatency p99 {fmt(integ)}")
        print(f"       Lambda Duration p99 {fmt(dur)}")
        if name == "backend-slow":
            check(all(100 <= v <= 160 for v in lb.values()), "baseline Latency p99 ~120", f"{min(lb.values()):g}..{max(lb.values()):g}")
            check(all(80 <= v <= 130 for v in ib.values()), "baseline IntegrationLatency p99 ~100", f"{min(ib.values()):g}..{max(ib.values()):g}")
            check(all(2900 <= v <= 4400 for v in lp.values()) and max(lp.values()) >= 4000,
                  "peak (k=24..18) Latency p99 3000-4200", f"{min(lp.values()):g}..{max(lp.values()):g}")
            check(all(0 <= lat[k] - integ[k] <= 40 for k in lp), "peak Latency - IntegrationLatency <= 40 ms",
                  fmt({k: round(lat[k] - integ[k], 1) for k in lp}))
            check(all(v >= 2900 for v in dp.values()) and all(v <= 130 for v in db.values()),
                  "Lambda Duration follows (slow handler)")
            pe, be = peak_base(e5)
            check(1 <= sum(pe.values()) <= 30 and sum(be.values()) == 0, "a few 5XXError only in the peak", fmt(pe))
            errs = s("Errors", "Sum", ldims, "AWS/Lambda")
            check(sum(errs.values()) == sum(pe.values()), "Lambda Errors = 5XXError", f"{sum(errs.values()):g}")
            p50 = s("Latency", "p50")
            p50p, _ = peak_base(p50)
            check(all(v >= 1200 for v in p50p.values()), "peak p50 also high (whole distribution shifted)", fmt(p50p))
        elif name == "cold-start":
            check(all(v <= 110 for v in dur.values()), "Lambda Duration p99 flat ~90", f"max {max(dur.values()):g}")
            check(max(ip.values()) >= 2300 and min(ip.values()) >= 1400, "peak IntegrationLatency p99 ~2500", fmt(ip))
            check(all(lat[k] - integ[k] <= 40 for k in lp), "Latency tracks IntegrationLatency")
            p50p, _ = peak_base(s("IntegrationLatency", "p50"))
            check(all(v <= 150 for v in p50p.values()), "peak p50 stays normal (only the cold tail is slow)", fmt(p50p))
            inv = s("Invocations", "Sum", ldims, "AWS/Lambda")
            check(all(150 <= v <= 250 for v in inv.values()), "Invocations ~200/min")
        elif name == "gateway-overhead":
            check(all(v <= 100 for v in integ.values()), "IntegrationLatency p99 stays ~80", f"max {max(integ.values()):g}")
            check(1700 <= max(lp.values()) <= 1950, "Latency p99 peaks ~1800", f"max {max(lp.values()):g}")
            check(all(v <= 80 for v in dur.values()), "backend Duration flat ~60", f"max {max(dur.values()):g}")
            adur = s("Duration", "p99", [("FunctionName", out["functions"][1])], "AWS/Lambda")
            ap, ab = peak_base(adur)
            check(max(ap.values()) >= 1400 and max(ab.values()) <= 30, "authorizer Duration rises with the overhead",
                  fmt(ap))
        elif name == "healthy":
            mx = s("Latency", "Maximum")
            check(all(v <= 150 for v in lat.values()), "Latency p99 < 150", f"max {max(lat.values()):g}")
            check(all(v <= 160 for v in mx.values()), "Latency Maximum ~<150", f"max {max(mx.values()):g}")
            check(all(v <= 150 for v in dur.values()), "Duration p99 < 150")
            check(sum(e5.values()) == 0, "no 5XX")
        # GetMetricStatistics with ExtendedStatistics, once
        now = out["now"]
        gms = rd.cw.get_metric_statistics(
            Namespace=ns, MetricName="Latency", Dimensions=[{"Name": k, "Value": v} for k, v in gw_dims(out)],
            StartTime=datetime.datetime.fromtimestamp(now - 1800, datetime.timezone.utc),
            EndTime=datetime.datetime.fromtimestamp(now, datetime.timezone.utc), Period=60,
            Statistics=["Maximum", "SampleCount"], ExtendedStatistics=["p99"])
        dps = gms["Datapoints"]
        check(len(dps) == 30 and all("p99" in d.get("ExtendedStatistics", {}) for d in dps),
              "GetMetricStatistics ExtendedStatistics p99 on 30 datapoints")
    elif name == "no-metrics":
        rest_config(rd, out)
        lm = rd.cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "ApiName", "Value": out["api_name"]}])["Metrics"]
        check(lm == [], "ListMetrics finds nothing for the API", str(len(lm)))
        out2 = dict(out, minutes=30)
        check(rd.series(out2, ns, "Latency", gw_dims(out), "p99") == {}, "GetMetricData returns no points")
    elif name == "http-api":
        api = out["api_id"]
        routes = rd.gw2.get_routes(ApiId=api)["Items"]
        check([r["RouteKey"] for r in routes] == ["GET /items"], "apigatewayv2 GetRoutes: GET /items")
        iid = routes[0]["Target"].split("/", 1)[1]
        integ_ = rd.gw2.get_integration(ApiId=api, IntegrationId=iid)
        check(integ_["IntegrationType"] == "AWS_PROXY" and integ_["IntegrationUri"] == out["function_arns"][fn],
              "GetIntegration AWS_PROXY -> function ARN", integ_["IntegrationUri"])
        check(len(rd.gw2.get_integrations(ApiId=api)["Items"]) == 1, "GetIntegrations lists it")
        st = rd.gw2.get_stages(ApiId=api)["Items"]
        check(any(x["StageName"] == "prod" and x.get("DefaultRouteSettings", {}).get("DetailedMetricsEnabled") for x in st),
              "GetStages prod with DetailedMetricsEnabled")
        lat, integ = s("Latency", "p99"), s("IntegrationLatency", "p99")
        lp, lb = peak_base(lat)
        print(f"       Latency p99 {fmt(lat)}")
        check(len(lat) == 30 and max(lp.values()) >= 4000 and max(lb.values()) <= 160,
              "ApiId+Stage Latency: backend-slow shape")
        check(all(lat[k] - integ[k] <= 40 for k in lat), "Latency - IntegrationLatency <= 40")
        rl = s("Latency", "p99", gw_dims(out, resource="GET /items"))
        check(len(rl) == 30, "ApiId+Stage+Route series present", str(len(rl)))
        e5 = s("5xx", "Sum")
        check(sum(e5.values()) > 0, "5xx (lowercase) metric present", f"{sum(e5.values()):g}")
        check(rd.series(out, ns, "5XXError", gw_dims(out), "Sum") == {}, "no REST-style 5XXError for HTTP")
    elif name == "bench-50":
        rest_config(rd, out)
        lm = rd.cw.list_metrics(Namespace=ns, MetricName="Latency",
                                Dimensions=[{"Name": "ApiName", "Value": out["api_name"]}, {"Name": "Method"}])
        check(len(lm["Metrics"]) == 50, "50 per-method Latency series", str(len(lm["Metrics"])))
        lat = s("Latency", "p99")
        check(len(lat) == 60, "60 one-minute points", str(len(lat)))
        r07 = s("Latency", "p99", gw_dims(out, "GET", "/r07"))
        r00 = s("Latency", "p99", gw_dims(out, "GET", "/r00"))
        check(max(r07.values()) >= 3000 and max(r00.values()) <= 160, "r07 slow peak, r00 healthy",
              f"{max(r07.values()):g} / {max(r00.values()):g}")
        ldm = rd.cw.list_metrics(Namespace="AWS/Lambda", MetricName="Duration")["Metrics"]
        check(len(ldm) == 10, "10 Lambda Duration series", str(len(ldm)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", default=os.environ.get("GWDOCTOR_TEST_ENDPOINT"))
    ap.add_argument("--only")
    ap.add_argument("--now", type=int)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if not a.endpoint:
        sys.exit("no --endpoint and GWDOCTOR_TEST_ENDPOINT is unset")
    for name, region in REGIONS.items():
        if a.only and name != a.only:
            continue
        cmd = [sys.executable, os.path.join(HERE, "seed.py"), name, "--endpoint", a.endpoint, "--region", region]
        if a.now:
            cmd += ["--now", str(a.now)]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(p.stderr, file=sys.stderr)
            check(False, f"{name}: seed.py exited {p.returncode}")
            continue
        lines = p.stdout.strip().splitlines()
        check(len(lines) == 1, f"{name}: seed.py printed one line", str(len(lines)))
        out = json.loads(lines[-1])
        print(f"{name} ({region}): api {out['api_id']} {out['api_name']}, {out['metric_datums']} datums")
        if a.json:
            print("       " + lines[-1])
        check_scenario(Reader(a.endpoint, region), name, out)
        if name == "cold-start-logs":
            check_logs(Reader(a.endpoint, region), out)
    print(f"{'FAILED: ' + str(len(FAILS)) if FAILS else 'all checks passed'}")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
