#!/usr/bin/env python3
"""Seed moto_server (through cwproxy.py) with gwdoctor test scenarios.

Run it with the emulator venv's python (with-emulator.sh exports it as
GWDOCTOR_EMULATOR_PYTHON, and this file's path as GWDOCTOR_SEED):

    $GWDOCTOR_EMULATOR_PYTHON $GWDOCTOR_SEED SCENARIO --endpoint URL --region REGION \
        [--now EPOCH_SECONDS] [--suffix S]

It creates the resources with boto3 against URL (the proxy: PutMetricData sent there lands
in the proxy's metric store), then prints ONE JSON object on stdout describing what it made:

    {"scenario": "backend-slow", "region": "us-east-1", "api_type": "REST",
     "api_id": "...", "api_name": "orders-api", "stage": "prod", "functions": ["orders-fn"],
     "now": 1795300020, ...}

Metrics are one-minute points at now-60*k for k = MINUTES..1 (oldest first), so a query
over [now - MINUTES min, now) sees them all; MINUTES is 30 (60 for bench-50). `now` defaults to
the current time rounded down to the minute; an explicit --now is used as given. "Minute k
before now" is the point at now - 60*k; peaks are at k = 24..18. Latency-like metrics use
Values+Counts (about 20 distinct values per minute whose Counts add up to the minute's
request count), so p50/p90/p99, Maximum, Average and SampleCount all work; the top value of a
minute is its Maximum, the one below it its p99 (nearest rank).

Scenarios (REST ones: resources /orders GET+POST and /orders/{id} GET, stage prod,
method settings */* logging INFO + metrics enabled, per-method metrics):
  backend-slow      orders-api -> orders-fn. p99 Latency ~120 ms / IntegrationLatency ~100 ms,
                    at k=24..18 both rise to 3000-4200 ms (Latency within 40 ms of
                    IntegrationLatency); Lambda Duration follows (the handler got slow);
                    Count ~200/min; a few 5XXError (and Lambda Errors) during the peak.
  cold-start        coldstart-api -> coldstart-fn. Same shape, but Lambda Duration stays
                    ~90 ms while the top ~6% of IntegrationLatency/Latency reach ~2500 ms
                    (p99 ~2500, p50 normal): initialisation, not the handler.
  gateway-overhead  gateway-api -> gateway-fn, Lambda TOKEN authorizer gateway-authorizer-fn
                    (TTL 0) on every method, POST /orders is a non-proxy AWS integration with
                    a requestTemplates mapping template. Latency p99 peaks ~1800 ms while
                    IntegrationLatency stays ~80 ms; the authorizer function's Duration
                    rises with the overhead, the backend's stays ~60 ms.
  healthy           healthy-api -> healthy-fn, everything under ~150 ms.
  no-metrics        quiet-api -> quiet-fn, API + stage exist, no metric data at all.
  http-api          HTTP API items-http-api -> items-fn (AWS_PROXY, payload 2.0), route
                    GET /items, stage prod (detailed metrics), metrics by ApiId
                    (4xx/5xx names), backend-slow shape. moto lacks apigatewayv2
                    GetAuthorizers (500), so a cwproxy stub answers {"Items": []} for it.
  bench-50          bench-api: /r00../r49, each GET -> Lambda proxy to bench-fn-(i % 10),
                    detailed metrics, per-method metrics for each, 60 minutes. bench-fn-7's
                    resources (r07, r17, ...) have the backend-slow peak, the rest is healthy.
  cold-start-logs   The cold-start API (coldstart-logs-api -> coldstart-fn, metrics as in
                    cold-start) plus 45 minutes of Lambda logs (START/END/app/REPORT/INIT_*
                    lines in realistic formats) for four functions:
                      coldstart-fn  text format, 1 ms billing (INIT billed since 2025-08), an
                                    XRAY half after an embedded newline on some REPORTs; 0-1
                                    cold starts a minute, 8-11 a minute with Init Duration
                                    1.8-2.6 s at k = 24..18 (the IntegrationLatency peak).
                      steady-fn     text format, 100 ms-era billing (and the old space before
                                    the TAB), a cold start every few minutes: quiet.
                      symptoms-fn   text format: runtime version python:3.12.v40 -> v41 at
                                    k = 20, an OOM REPORT (Max Memory Used = Memory Size +
                                    signal: killed) at k = 15, INIT_REPORT Status: error (k = 12)
                                    and Status: timeout (k = 11), Task timed out at k = 8 and 7,
                                    and a REPORT line truncated mid-number.
                      snapstart-fn  JSON log format in the custom log group
                                    /aws/lambda-custom/snapstart-fn (a cwproxy stub answers
                                    GetFunctionConfiguration with that LoggingConfig and
                                    SnapStart on), platform.restoreStart/restoreReport and
                                    platform.report with restoreDurationMs: quiet.
  ssl-backends      ssl-api: one GET resource per HTTPS backend given, each an HTTP_PROXY
                    integration: --tls-backend URL as /strict-N (no tlsConfig),
                    --skip-tls-backend URL as /private-N (tlsConfig.insecureSkipVerification
                    true); stage prod, no metrics. Prints "tls_config" (what GetIntegration
                    returns for each path), so a test can tell moto dropping it from a bug.
  throttle-*        `gwdoctor throttles` scenarios (account, reserved, spillover, scaling,
                    stage, usage-plan, apigw-account, quiet, many): see seed_throttles.py.
                    Options --account-limit N (default 1000) and --functions N (throttle-many).

--suffix S appends "-S" to the API and function names (for tests that seed one scenario
twice into the same region). Lambda functions and the IAM role are reused if they exist.
"""
import argparse
import io
import json
import math
import os
import random
import sys
import time
import urllib.request
import zipfile

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed_throttles  # noqa: E402  (the `gwdoctor throttles` scenarios)
import seed_trace  # noqa: E402  (the `gwdoctor trace` scenarios)

ACCOUNT = "123456789012"
ROLE_NAME = "gwdoctor-lambda-role"
STAGE = "prod"
PEAK_KS = range(24, 17, -1)  # minutes before now: 24, 23, ..., 18

HANDLER = b'''import json


def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"ok": True})}
'''

AUTHORIZER = b'''def handler(event, context):
    ok = event.get("authorizationToken") == "allow"
    return {"principalId": "user",
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": "Allow" if ok else "Deny",
                "Resource": event["methodArn"]}]}}
'''


def log(msg):
    print(f"seed: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- AWS helpers


class Aws:
    def __init__(self, endpoint, region):
        self.region = region
        sess = boto3.session.Session(
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
            region_name=region)
        cfg = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=10,
                     read_timeout=120, proxies={})
        mk = lambda svc: sess.client(svc, endpoint_url=endpoint, config=cfg)  # noqa: E731
        self.iam = mk("iam")
        self.lam = mk("lambda")
        self.apigw = mk("apigateway")
        self.apigw2 = mk("apigatewayv2")
        self.cw = mk("cloudwatch")
        self.logs = mk("logs")


def zip_bytes(source):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("index.py", source)
    return buf.getvalue()


def ensure_role(aws):
    try:
        return aws.iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("NoSuchEntity", "NoSuchEntityException"):
            raise
    doc = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}
    try:
        return aws.iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(doc),
                                   Description="gwdoctor emulator tests")["Role"]["Arn"]
    except ClientError as e:  # another seeder running in parallel won the race
        if e.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        return aws.iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]


def ensure_function(aws, name, role_arn, source=HANDLER, timeout=10, memory=256):
    """Create the function (or reuse it) and return its ARN as moto reports it."""
    try:
        return aws.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    try:
        out = aws.lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="index.handler",
            Code={"ZipFile": zip_bytes(source)}, Timeout=timeout, MemorySize=memory,
            Description="gwdoctor emulator test function", Publish=False)
        return out["FunctionArn"]
    except ClientError as e:  # created in parallel by another seeder
        if e.response["Error"]["Code"] != "ResourceConflictException":
            raise
        return aws.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def allow_apigw(aws, fn_name, api_id):
    """Resource policy letting API Gateway invoke the function (as the console adds it)."""
    try:
        aws.lam.add_permission(
            FunctionName=fn_name, StatementId=f"apigateway-{api_id}", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{aws.region}:{ACCOUNT}:{api_id}/*")
    except ClientError as e:
        if e.response["Error"]["Code"] != "ResourceConflictException":
            raise


def lambda_uri(region, fn_arn):
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn_arn}/invocations"


# --------------------------------------------------------------------------- REST API


def build_rest_api(aws, name, routes, authorizer_fn_arn=None, description="gwdoctor test API"):
    """routes: [(method, path, fn_arn, kind)] with kind "AWS_PROXY" or "AWS" (non-proxy with a
    mapping template). Returns (api_id, resources, authorizers)."""
    gw, region = aws.apigw, aws.region
    api_id = gw.create_rest_api(name=name, description=description,
                                endpointConfiguration={"types": ["REGIONAL"]})["id"]
    ids = {}
    for item in gw.get_resources(restApiId=api_id)["items"]:
        ids[item["path"]] = item["id"]

    def resource(path):
        if path not in ids:
            parent, _, part = path.rpartition("/")
            pid = resource(parent or "/")
            ids[path] = gw.create_resource(restApiId=api_id, parentId=pid, pathPart=part)["id"]
        return ids[path]

    authorizers = []
    auth_kw = {"authorizationType": "NONE"}
    if authorizer_fn_arn:
        a = gw.create_authorizer(
            restApiId=api_id, name="token-authorizer", type="TOKEN",
            authorizerUri=lambda_uri(region, authorizer_fn_arn),
            identitySource="method.request.header.Authorization",
            authorizerResultTtlInSeconds=0)
        authorizers.append({"id": a["id"], "name": a["name"], "type": "TOKEN",
                            "ttl": 0, "function_arn": authorizer_fn_arn})
        auth_kw = {"authorizationType": "CUSTOM", "authorizerId": a["id"]}

    methods = {}
    for method, path, fn_arn, kind in routes:
        rid = resource(path)
        params = {f"method.request.path.{p[1:-1]}": True
                  for p in path.split("/") if p.startswith("{") and p.endswith("}")}
        gw.put_method(restApiId=api_id, resourceId=rid, httpMethod=method,
                      requestParameters=params, **auth_kw)
        if kind == "AWS_PROXY":
            gw.put_integration(restApiId=api_id, resourceId=rid, httpMethod=method,
                               type="AWS_PROXY", integrationHttpMethod="POST",
                               uri=lambda_uri(region, fn_arn), timeoutInMillis=29000)
        else:  # non-proxy Lambda integration with a mapping template
            gw.put_integration(
                restApiId=api_id, resourceId=rid, httpMethod=method, type="AWS",
                integrationHttpMethod="POST", uri=lambda_uri(region, fn_arn),
                timeoutInMillis=29000, passthroughBehavior="WHEN_NO_TEMPLATES",
                requestTemplates={"application/json": (
                    '#set($body = $input.path(\'$\'))\n'
                    '{"order": $input.json(\'$\'), "requestId": "$context.requestId",'
                    ' "user": "$context.authorizer.principalId",'
                    ' "items": [#foreach($i in $body.items)"$i.sku"#if($foreach.hasNext),#end#end]}')})
            gw.put_method_response(restApiId=api_id, resourceId=rid, httpMethod=method,
                                   statusCode="200", responseModels={"application/json": "Empty"})
            gw.put_integration_response(restApiId=api_id, resourceId=rid, httpMethod=method,
                                        statusCode="200", selectionPattern="",
                                        responseTemplates={"application/json": "$input.json('$')"})
        methods.setdefault(path, []).append(method)

    dep = gw.create_deployment(restApiId=api_id, description="seed")["id"]
    gw.create_stage(restApiId=api_id, stageName=STAGE, deploymentId=dep)
    gw.update_stage(restApiId=api_id, stageName=STAGE, patchOperations=[
        {"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"},
        {"op": "replace", "path": "/*/*/metrics/enabled", "value": "true"},
    ])
    resources = [{"path": p, "id": ids[p], "methods": sorted(methods[p])} for p in methods]
    return api_id, resources, authorizers


# --------------------------------------------------------------------------- HTTP API


def build_http_api(aws, name, routes):
    """routes: [(route_key, fn_arn)]. Returns (api_id, [route dicts])."""
    gw = aws.apigw2
    api_id = gw.create_api(Name=name, ProtocolType="HTTP", Description="gwdoctor test API")["ApiId"]
    out = []
    integ = {}
    for key, fn_arn in routes:
        if fn_arn not in integ:
            integ[fn_arn] = gw.create_integration(
                ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=fn_arn,
                IntegrationMethod="POST", PayloadFormatVersion="2.0",
                TimeoutInMillis=30000)["IntegrationId"]
        r = gw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integ[fn_arn]}")
        out.append({"route_key": key, "route_id": r["RouteId"], "integration_id": integ[fn_arn]})
    gw.create_stage(ApiId=api_id, StageName=STAGE, AutoDeploy=True,
                    DefaultRouteSettings={"DetailedMetricsEnabled": True,
                                          "ThrottlingBurstLimit": 5000, "ThrottlingRateLimit": 10000.0})
    # AutoDeploy stands in for CreateDeployment, which moto 5.2.5 lacks for apigatewayv2 (404).
    return api_id, out


def stub_v2_authorizers(endpoint, api_id):
    """moto 5.2.5 has no apigatewayv2 GetAuthorizers (list): it answers 500
    (NotImplementedError). This API has no authorizers, so have cwproxy answer the real
    thing, {"Items": []}, for this API only (a cwproxy stub; POST /__reset clears it)."""
    stub = {"method": "GET", "path": f"^/v2/apis/{api_id}/authorizers$", "status": 200, "body": {"Items": []}}
    req = urllib.request.Request(endpoint.rstrip("/") + "/__stubs", data=json.dumps(stub).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as r:
            r.read()
        return [stub]
    except Exception as e:  # noqa: BLE001 - not a cwproxy (raw moto): leave moto's 500
        log(f"could not stub GET /v2/apis/{api_id}/authorizers ({e}); is {endpoint} cwproxy?")
        return []


# --------------------------------------------------------------------------- metric shapes


def latency_values(rng, p99, n, lo=0.30, hi=0.85, floor=1.0):
    """About 20 distinct values with Counts adding up to n requests, shaped so that the
    nearest-rank p99 is ~p99 and the single top value (the Maximum) is ~10% above it."""
    n = max(1, int(n))
    rank = max(1, math.ceil(0.99 * n))
    top_p99 = round(max(floor, p99 * rng.uniform(0.985, 1.015)), 2)
    if n == 1:
        return [top_p99], [1]
    c99 = max(1, n - rank)           # count of the p99 value
    low = n - 1 - c99                 # requests below it (rank - 1 of them)
    k = min(18, low)
    vals, counts = [], []
    if k > 0:
        base, extra = divmod(low, k)
        for i in range(k):
            frac = lo + (hi - lo) * (i / max(1, k - 1))
            vals.append(round(max(floor, p99 * frac * rng.uniform(0.97, 1.03)), 2))
            counts.append(base + (1 if i < extra else 0))
    vals.append(top_p99)
    counts.append(c99)
    vals.append(round(top_p99 * rng.uniform(1.05, 1.15), 2))
    counts.append(1)
    return vals, counts


def cold_values(rng, warm_p99, cold_p99, n, cold_frac):
    """Warm requests around warm_p99 plus a cold tail (~cold_frac of n) up to ~cold_p99."""
    n = max(1, int(n))
    ncold = max(0, round(n * cold_frac))
    if ncold < 3:
        return latency_values(rng, warm_p99, n)
    v1, c1 = latency_values(rng, warm_p99, n - ncold)
    v2, c2 = latency_values(rng, cold_p99, ncold, lo=0.7, hi=0.95)
    return v1 + v2, c1 + c2


def shifted(rng, vals, add_lo, add_hi):
    """Per-value additive overhead (e.g. Latency = IntegrationLatency + gateway overhead)."""
    return [round(v + rng.uniform(add_lo, add_hi), 2) for v in vals]


def ramp(peak_values, k, base):
    """peak_values: 7 levels for k = 24..18; base elsewhere."""
    if k in PEAK_KS:
        return peak_values[24 - k]
    return base


def count_datum(n):
    # AWS sends 1 per request: Sum = SampleCount = requests.
    return {"Values": [1.0], "Counts": [float(n)]}


def error_datum(n, errors):
    # AWS sends 0/1 per request: Sum = errors, Average = error rate, SampleCount = requests.
    errors = min(int(errors), int(n))
    if errors <= 0:
        return {"Values": [0.0], "Counts": [float(n)]}
    if errors >= n:
        return {"Values": [1.0], "Counts": [float(n)]}
    return {"Values": [0.0, 1.0], "Counts": [float(n - errors), float(errors)]}


def vc_datums(vals, counts):
    """Split Values+Counts into datums of at most 150 values (the PutMetricData limit)."""
    out = []
    for i in range(0, len(vals), 150):
        out.append({"Values": [float(v) for v in vals[i:i + 150]],
                    "Counts": [float(c) for c in counts[i:i + 150]]})
    return out


class Metrics:
    """Collects datums per namespace and sends them with PutMetricData in batches."""

    def __init__(self):
        self.by_ns = {}

    def add(self, ns, name, dims, t, unit, payload):
        for p in (payload if isinstance(payload, list) else [payload]):
            d = {"MetricName": name, "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                 "Timestamp": t, "Unit": unit}
            d.update(p)
            self.by_ns.setdefault(ns, []).append(d)

    def count(self):
        return sum(len(v) for v in self.by_ns.values())

    def send(self, aws, batch=400):
        for ns, data in self.by_ns.items():
            for i in range(0, len(data), batch):
                aws.cw.put_metric_data(Namespace=ns, MetricData=data[i:i + batch])


class Minute:
    """What one method/route saw in one minute."""

    def __init__(self, integ_vals, counts, lat_vals, dur_vals, n, e4, e5, lambda_errors):
        self.integ_vals, self.counts, self.lat_vals, self.dur_vals = integ_vals, counts, lat_vals, dur_vals
        self.n, self.e4, self.e5, self.lambda_errors = n, e4, e5, lambda_errors


def add_api_metrics(m, t, kind, api_key, stage_dims, per_method, names):
    """per_method: [(method_dims, Minute)]. Emits per-method series (detailed metrics), the
    stage-level series and the API-level series (as AWS does), union of the methods."""
    ns = "AWS/ApiGateway"
    lat, integ, cnt, e4n, e5n = names
    agg = {"integ": ([], []), "lat": ([], []), "n": 0, "e4": 0, "e5": 0}
    for mdims, mi in per_method:
        m.add(ns, lat, mdims, t, "Milliseconds", vc_datums(mi.lat_vals, mi.counts))
        m.add(ns, integ, mdims, t, "Milliseconds", vc_datums(mi.integ_vals, mi.counts))
        m.add(ns, cnt, mdims, t, "Count", count_datum(mi.n))
        m.add(ns, e4n, mdims, t, "Count", error_datum(mi.n, mi.e4))
        m.add(ns, e5n, mdims, t, "Count", error_datum(mi.n, mi.e5))
        agg["integ"][0].extend(mi.integ_vals); agg["integ"][1].extend(mi.counts)
        agg["lat"][0].extend(mi.lat_vals); agg["lat"][1].extend(mi.counts)
        agg["n"] += mi.n; agg["e4"] += mi.e4; agg["e5"] += mi.e5
    for dims in (stage_dims, [api_key]):
        m.add(ns, lat, dims, t, "Milliseconds", vc_datums(*agg["lat"]))
        m.add(ns, integ, dims, t, "Milliseconds", vc_datums(*agg["integ"]))
        m.add(ns, cnt, dims, t, "Count", count_datum(agg["n"]))
        m.add(ns, e4n, dims, t, "Count", error_datum(agg["n"], agg["e4"]))
        m.add(ns, e5n, dims, t, "Count", error_datum(agg["n"], agg["e5"]))


def add_lambda_metrics(m, t, fn, minutes):
    """minutes: Minutes whose requests this function served (dur_vals + counts)."""
    ns = "AWS/Lambda"
    dims = [("FunctionName", fn)]
    vals, counts, n, errs, busy_ms, throttles = [], [], 0, 0, 0.0, 0
    for mi in minutes:
        vals.extend(mi.dur_vals); counts.extend(mi.counts)
        n += mi.n; errs += mi.lambda_errors
        throttles += getattr(mi, "throttles", 0)
        busy_ms += sum(v * c for v, c in zip(mi.dur_vals, mi.counts))
    if n == 0:
        return
    m.add(ns, "Duration", dims, t, "Milliseconds", vc_datums(vals, counts))
    m.add(ns, "Invocations", dims, t, "Count", count_datum(n))
    m.add(ns, "Errors", dims, t, "Count", error_datum(n, errs))
    m.add(ns, "Throttles", dims, t, "Count", {"Value": float(throttles)})
    # average concurrency over the minute, with some burst headroom
    m.add(ns, "ConcurrentExecutions", dims, t, "Count", {"Value": float(max(1, math.ceil(busy_ms / 60000 * 1.5)))})


# --------------------------------------------------------------------------- scenarios

ORDERS_METHODS = [("GET", "/orders", 100, 1.0), ("POST", "/orders", 40, 0.8), ("GET", "/orders/{id}", 60, 0.9)]
SLOW_PEAK = [3000, 3400, 3900, 4200, 4000, 3600, 3100]   # IntegrationLatency p99 at k = 24..18


def minute_backend_slow(rng, k, n, weight, backend_base=100.0, overhead=(12, 30), peak=SLOW_PEAK):
    p99 = ramp([p * weight for p in peak], k, backend_base * weight * rng.uniform(0.95, 1.05))
    if k not in PEAK_KS:
        p99 = max(p99, backend_base * 0.9)
    integ, counts = latency_values(rng, p99, n)
    lat = shifted(rng, integ, *overhead)
    dur = [round(max(1.0, v - rng.uniform(4, 9)), 2) for v in integ]
    e5 = rng.choice([1, 2, 3, 4]) if k in PEAK_KS and weight == 1.0 else 0
    e4 = rng.choice([0, 0, 0, 1, 2])
    return Minute(integ, counts, lat, dur, n, e4, e5, e5)


def minute_cold(rng, k, n, weight):
    cold_peak = [1900, 2300, 2500, 2450, 2200, 1900, 1600]
    if k in PEAK_KS:
        integ, counts = cold_values(rng, 100 * weight, cold_peak[24 - k] * weight, n, 0.06)
        mi = Minute(integ, counts, shifted(rng, integ, 12, 30), None, n, rng.choice([0, 0, 1]), 0, 0)
        # Duration excludes the init phase: the handler stays ~90 ms (own distribution).
        mi.dur_vals, mi.dur_counts = latency_values(rng, 90 * rng.uniform(0.97, 1.03), n)
        return mi
    integ, counts = latency_values(rng, 100 * weight * rng.uniform(0.95, 1.05), n)
    dur = [round(max(1.0, v * 0.88), 2) for v in integ]
    return Minute(integ, counts, shifted(rng, integ, 12, 30), dur, n, rng.choice([0, 0, 1]), 0, 0)


def minute_gateway(rng, k, n, weight):
    over_peak = [900, 1300, 1650, 1720, 1700, 1500, 1100]   # added by the gateway at k = 24..18
    integ, counts = latency_values(rng, 80 * rng.uniform(0.95, 1.03), n)
    if k in PEAK_KS:
        over = over_peak[24 - k] * weight
        lat = [round(v + over * rng.uniform(0.85, 1.0), 2) for v in integ[:-2]]
        lat += [round(integ[-2] + over, 2), round(integ[-1] + over * 1.02, 2)]
    else:
        lat = shifted(rng, integ, 15, 35)
    dur = [round(max(1.0, v * 0.72), 2) for v in integ]   # backend ~60 ms
    mi = Minute(integ, counts, lat, dur, n, rng.choice([0, 0, 1, 2]), 0, 0)
    # what the TOKEN authorizer (TTL 0: invoked for every request) spent
    auth_p99 = over_peak[24 - k] * 0.95 * weight if k in PEAK_KS else 18.0 * rng.uniform(0.9, 1.1)
    mi.auth_vals, mi.auth_counts = latency_values(rng, auth_p99, n)
    return mi


def minute_healthy(rng, k, n, weight):
    integ, counts = latency_values(rng, 95 * weight * rng.uniform(0.92, 1.08), n)
    lat = shifted(rng, integ, 10, 25)
    dur = [round(max(1.0, v * 0.88), 2) for v in integ]
    return Minute(integ, counts, lat, dur, n, rng.choice([0, 0, 0, 1]), 0, 0)


def minute_throttled(rng, k, n, weight):
    """Healthy latencies, but during the peak a share of invocations is throttled by Lambda:
    those requests never run and API Gateway answers 500 (counted in 5XXError)."""
    mi = minute_healthy(rng, k, n, weight)
    if k in PEAK_KS:
        mi.throttles = max(1, round(n * rng.uniform(0.2, 0.35)))
        mi.e5 = mi.throttles
    return mi


def lambda_minute_view(mi):
    """The Lambda-side view of a Minute (Duration may have its own counts)."""
    if getattr(mi, "dur_counts", None) is None:
        return mi
    v = Minute(None, mi.dur_counts, None, mi.dur_vals, mi.n, 0, 0, mi.lambda_errors)
    v.throttles = getattr(mi, "throttles", 0)
    return v


def seed_rest_orders(aws, args, api_name, fn, minute_fn, with_metrics=True, authorizer=False, minutes=30):
    role = ensure_role(aws)
    fn_arn = ensure_function(aws, fn, role)
    fns = {fn: fn_arn}
    auth_name = None
    if authorizer:
        auth_name = f"gateway-authorizer-fn{args.sfx}"
        fns[auth_name] = ensure_function(aws, auth_name, role, source=AUTHORIZER, timeout=5, memory=128)
    kinds = {("POST", "/orders"): "AWS"} if authorizer else {}
    routes = [(meth, path, fn_arn, kinds.get((meth, path), "AWS_PROXY")) for meth, path, _, _ in ORDERS_METHODS]
    api_id, resources, authorizers = build_rest_api(aws, api_name, routes, fns.get(auth_name))
    for name in fns:
        allow_apigw(aws, name, api_id)
    m = Metrics()
    if with_metrics:
        rng = random.Random(f"{args.scenario}:{api_name}:{args.now}")
        for k in range(minutes, 0, -1):
            t = args.now - 60 * k
            per_method = []
            for meth, path, share, weight in ORDERS_METHODS:
                n = max(1, round(share * rng.uniform(0.93, 1.07)))
                mi = minute_fn(rng, k, n, weight)
                dims = [("ApiName", api_name), ("Method", meth), ("Resource", path), ("Stage", STAGE)]
                per_method.append((dims, mi))
            add_api_metrics(m, t, "REST", ("ApiName", api_name), [("ApiName", api_name), ("Stage", STAGE)],
                            per_method, ("Latency", "IntegrationLatency", "Count", "4XXError", "5XXError"))
            add_lambda_metrics(m, t, fn, [lambda_minute_view(mi) for _, mi in per_method])
            if auth_name:
                auth = [Minute(None, mi.auth_counts, None, mi.auth_vals, mi.n, 0, 0, 0) for _, mi in per_method]
                add_lambda_metrics(m, t, auth_name, auth)
        m.send(aws)
    return rest_result(args, api_id, api_name, fns, resources, authorizers, m, minutes if with_metrics else 0)


def rest_result(args, api_id, api_name, fns, resources, authorizers, m, minutes):
    out = {"scenario": args.scenario, "region": args.region, "api_type": "REST",
           "api_id": api_id, "api_name": api_name, "stage": STAGE,
           "functions": list(fns), "function_arns": fns,
           "resources": resources, "authorizers": authorizers}
    return finish(out, args, m, minutes)


def finish(out, args, m, minutes):
    out["now"] = args.now
    out["minutes"] = minutes
    out["start"] = args.now - 60 * minutes if minutes else None
    peak = minutes >= 24 and args.scenario not in ("healthy", "no-metrics")
    out["peak"] = {"from": args.now - 60 * 24, "to": args.now - 60 * 18} if peak else None
    out["metric_datums"] = m.count()
    return out


def seed_http(aws, args):
    api_name, fn = f"items-http-api{args.sfx}", f"items-fn{args.sfx}"
    role = ensure_role(aws)
    fn_arn = ensure_function(aws, fn, role)
    api_id, routes = build_http_api(aws, api_name, [("GET /items", fn_arn)])
    allow_apigw(aws, fn, api_id)
    stubs = stub_v2_authorizers(args.endpoint, api_id)
    m = Metrics()
    rng = random.Random(f"{args.scenario}:{api_name}:{args.now}")
    minutes = 30
    for k in range(minutes, 0, -1):
        t = args.now - 60 * k
        n = max(1, round(200 * rng.uniform(0.93, 1.07)))
        mi = minute_backend_slow(rng, k, n, 1.0, overhead=(4, 12))
        dims = [("ApiId", api_id), ("Stage", STAGE), ("Route", "GET /items")]
        add_api_metrics(m, t, "HTTP", ("ApiId", api_id), [("ApiId", api_id), ("Stage", STAGE)],
                        [(dims, mi)], ("Latency", "IntegrationLatency", "Count", "4xx", "5xx"))
        add_lambda_metrics(m, t, fn, [mi])
    m.send(aws)
    out = {"scenario": args.scenario, "region": args.region, "api_type": "HTTP",
           "api_id": api_id, "api_name": api_name, "stage": STAGE,
           "functions": [fn], "function_arns": {fn: fn_arn}, "routes": routes, "stubs": stubs}
    return finish(out, args, m, minutes)


def seed_bench(aws, args):
    api_name = f"bench-api{args.sfx}"
    role = ensure_role(aws)
    fns = {}
    for i in range(10):
        name = f"bench-fn-{i}{args.sfx}"
        fns[name] = ensure_function(aws, name, role)
    names = list(fns)
    routes = [("GET", f"/r{i:02d}", fns[names[i % 10]], "AWS_PROXY") for i in range(50)]
    api_id, resources, _ = build_rest_api(aws, api_name, routes, description="gwdoctor benchmark API")
    for name in names:
        allow_apigw(aws, name, api_id)
    m = Metrics()
    rng = random.Random(f"{args.scenario}:{api_name}:{args.now}")
    minutes = 60
    for k in range(minutes, 0, -1):
        t = args.now - 60 * k
        per_method, per_fn = [], {n: [] for n in names}
        for i in range(50):
            n = max(1, round(20 * rng.uniform(0.85, 1.15)))
            fn = names[i % 10]
            if i % 10 == 7:
                mi = minute_backend_slow(rng, k, n, 1.0)
            else:
                mi = minute_healthy(rng, k, n, 1.0)
            dims = [("ApiName", api_name), ("Method", "GET"), ("Resource", f"/r{i:02d}"), ("Stage", STAGE)]
            per_method.append((dims, mi))
            per_fn[fn].append(mi)
        add_api_metrics(m, t, "REST", ("ApiName", api_name), [("ApiName", api_name), ("Stage", STAGE)],
                        per_method, ("Latency", "IntegrationLatency", "Count", "4XXError", "5XXError"))
        for fn, mis in per_fn.items():
            add_lambda_metrics(m, t, fn, mis)
    m.send(aws)
    return rest_result(args, api_id, api_name, fns, resources, [], m, minutes)


# --------------------------------------------------------------------------- Lambda logs

LOG_MINUTES = 45


class Logs:
    """Collects log events per (group, stream) and sends them with PutLogEvents."""

    def __init__(self):
        self.events = {}

    def add(self, group, stream, t_ms, message):
        self.events.setdefault((group, stream), []).append({"timestamp": int(t_ms), "message": message})

    def count(self):
        return sum(len(v) for v in self.events.values())

    def send(self, aws):
        groups = sorted({g for g, _ in self.events})
        for g in groups:
            try:
                aws.logs.create_log_group(logGroupName=g)
            except ClientError as e:
                if e.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                    raise
        for (g, s), evs in sorted(self.events.items()):
            try:
                aws.logs.create_log_stream(logGroupName=g, logStreamName=s)
            except ClientError as e:
                if e.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                    raise
            evs.sort(key=lambda e: e["timestamp"])
            for i in range(0, len(evs), 5000):
                aws.logs.put_log_events(logGroupName=g, logStreamName=s, logEvents=evs[i:i + 5000])


class LambdaLogWriter:
    """Writes one function's invocations the way Lambda does (text or JSON log format)."""

    def __init__(self, logs, rng, group, now, region, json_format=False, memory=256, version=40):
        self.logs, self.rng, self.group, self.now = logs, rng, group, now
        self.region, self.json, self.memory, self.version = region, json_format, memory, version
        self.stream = None
        self.streams = 0

    def hexid(self, n):
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def rid(self):
        return f"{self.hexid(8)}-{self.hexid(4)}-4{self.hexid(3)}-a{self.hexid(3)}-{self.hexid(12)}"

    def new_environment(self, t_ms):
        self.streams += 1
        day = time.strftime("%Y/%m/%d", time.gmtime(t_ms / 1000))
        self.stream = f"{day}/[$LATEST]{self.hexid(32)}"

    def put(self, t_ms, message):
        if self.stream is None:
            self.new_environment(t_ms)
        self.logs.add(self.group, self.stream, t_ms, message)

    def iso(self, t_ms):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t_ms / 1000)) + ".%03dZ" % (int(t_ms) % 1000)

    def invoke(self, t_ms, duration, init=None, used=None, billing="1ms", xray=False, restore=None,
               extra_after=None, report_suffix="", app=True):
        """One invocation: [INIT_START|RESTORE_START], START, an app line, END, REPORT."""
        rid = self.rid()
        used = used if used is not None else self.rng.randint(60, 95)
        if init is not None or restore is not None:
            self.new_environment(t_ms)
            runtime = f"python:3.12.v{self.version}"
            arn = f"arn:aws:lambda:{self.region}::runtime:{self.hexid(64)}"
            if self.json:
                kind = "platform.restoreStart" if restore is not None else "platform.initStart"
                self.put(t_ms, json.dumps({"time": self.iso(t_ms), "type": kind, "record": {
                    "initializationType": "on-demand", "phase": "snap-start" if restore is not None else "init",
                    "runtimeVersion": runtime, "runtimeVersionArn": arn, "functionName": self.group.rsplit("/", 1)[-1],
                    "functionVersion": "$LATEST", "instanceId": self.stream,
                    "instanceMaxMemory": self.memory * 1024 * 1024}}, separators=(",", ":")))
                if restore is not None:
                    self.put(t_ms + restore, json.dumps({"time": self.iso(t_ms + restore), "type": "platform.restoreReport",
                                                         "record": {"status": "success", "metrics": {"durationMs": restore}}},
                                                        separators=(",", ":")))
            else:
                self.put(t_ms, f"INIT_START Runtime Version: {runtime}\tRuntime Version ARN: {arn}")
        start = t_ms + (init or restore or 0)
        end = start + duration
        if self.json:
            self.put(start, json.dumps({"time": self.iso(start), "type": "platform.start",
                                        "record": {"requestId": rid, "version": "$LATEST"}}, separators=(",", ":")))
            if app:
                self.put(start + 1, json.dumps({"timestamp": self.iso(start + 1), "level": "INFO", "requestId": rid,
                                                "message": "processing order"}, separators=(",", ":")))
            metrics = {"durationMs": round(duration, 2), "billedDurationMs": math.ceil(duration + (restore or 0)),
                       "memorySizeMB": self.memory, "maxMemoryUsedMB": used}
            if init is not None:
                metrics["initDurationMs"] = round(init, 3)
            if restore is not None:
                metrics["restoreDurationMs"] = round(restore, 2)
            self.put(end, json.dumps({"time": self.iso(end), "type": "platform.report",
                                      "record": {"requestId": rid, "metrics": metrics, "status": "success"}},
                                     separators=(",", ":")))
            return rid
        self.put(start, f"START RequestId: {rid} Version: $LATEST")
        if app:
            self.put(start + 1, f"{self.iso(start + 1)}\t{rid}\tINFO\tprocessing order {self.hexid(6)}")
        for line in (extra_after or []):
            self.put(end, line.replace("{rid}", rid).replace("{iso}", self.iso(end)))
        self.put(end, f"END RequestId: {rid}")
        if billing == "100ms":
            billed = f"Billed Duration: {int(math.ceil(duration / 100.0) * 100)} ms \t"
        else:
            # INIT has been billed since 2025-08 for managed runtimes.
            billed = f"Billed Duration: {math.ceil(duration + (init or 0))} ms\t"
        rep = (f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\t{billed}"
               f"Memory Size: {self.memory} MB\tMax Memory Used: {used} MB\t")
        if init is not None:
            rep += f"Init Duration: {init:.2f} ms\t"
        if xray:
            rep += f"\nXRAY TraceId: 1-{self.hexid(8)}-{self.hexid(24)}\tSegmentId: {self.hexid(16)}\tSampled: true\t"
        rep += report_suffix.replace("{rid}", rid)
        self.put(end, rep + "\n")
        return rid


def stub_function_config(endpoint, name, config):
    """GetFunctionConfiguration answered by cwproxy (moto has no LoggingConfig/SnapStart)."""
    stub = {"method": "GET", "path": f"^/2015-03-31/functions/{name}(%3A[^/]*)?/configuration$",
            "status": 200, "body": config}
    req = urllib.request.Request(endpoint.rstrip("/") + "/__stubs", data=json.dumps(stub).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as r:
        r.read()
    return stub


def seed_cold_start_logs(aws, args):
    out = seed_rest_orders(aws, args, args.api_name or f"coldstart-logs-api{args.sfx}", f"coldstart-fn{args.sfx}",
                           minute_cold, minutes=30)
    role = ensure_role(aws)
    names = {"coldstart": f"coldstart-fn{args.sfx}", "steady": f"steady-fn{args.sfx}",
             "symptoms": f"symptoms-fn{args.sfx}", "snapstart": f"snapstart-fn{args.sfx}"}
    arns = {names["coldstart"]: out["function_arns"][names["coldstart"]]}
    for key in ("steady", "symptoms", "snapstart"):
        arns[names[key]] = ensure_function(aws, names[key], role, memory=128 if key == "symptoms" else 256,
                                           timeout=3 if key == "symptoms" else 10)
    snap_group = f"/aws/lambda-custom/{names['snapstart']}"
    out["stubs"] = [stub_function_config(args.endpoint, names["snapstart"], {
        "FunctionName": names["snapstart"], "FunctionArn": arns[names["snapstart"]], "Runtime": "java21",
        "MemorySize": 512, "Timeout": 15, "Handler": "example.Handler::handleRequest",
        "LoggingConfig": {"LogFormat": "JSON", "LogGroup": snap_group, "ApplicationLogLevel": "INFO",
                          "SystemLogLevel": "INFO"},
        "SnapStart": {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}})]
    logs = Logs()
    now_ms = args.now * 1000
    rng = random.Random(f"{args.scenario}:logs:{args.now}")
    w = {k: LambdaLogWriter(logs, rng, f"/aws/lambda/{n}", now_ms, args.region, memory=128 if k == "symptoms" else 256)
         for k, n in names.items() if k != "snapstart"}
    w["snapstart"] = LambdaLogWriter(logs, rng, snap_group, now_ms, args.region, json_format=True, memory=512)
    for k in range(LOG_MINUTES, 0, -1):
        t0 = now_ms - 60_000 * k
        # coldstart-fn: 12 invocations a minute; a burst of cold starts during the peak.
        cold = rng.randint(8, 11) if k in PEAK_KS else (1 if rng.random() < 0.35 else 0)
        for i in range(12):
            t = t0 + i * 4_900 + rng.randint(0, 300)
            init = (rng.uniform(1800, 2600) if k in PEAK_KS else rng.uniform(280, 360)) if i < cold else None
            w["coldstart"].invoke(t, rng.uniform(60, 110), init=init, xray=(i % 4 == 0))
        # steady-fn: 10 a minute, 100 ms-era billing, a cold start every few minutes.
        for i in range(10):
            t = t0 + i * 5_800 + rng.randint(0, 300)
            init = rng.uniform(180, 230) if (i == 0 and k % 6 == 0) else None
            w["steady"].invoke(t, rng.uniform(15, 45), init=init, billing="100ms", app=(i % 2 == 0))
        # symptoms-fn: 6 a minute, and one symptom after another.
        s = w["symptoms"]
        if k == 20:
            s.version = 41
        for i in range(6):
            t = t0 + i * 9_500 + rng.randint(0, 300)
            init = rng.uniform(250, 330) if (i == 0 and (k % 10 == 0 or k in (20, 19))) else None
            if k == 15 and i == 2:
                s.invoke(t, 1480.5, used=128, report_suffix="\nRequestId: {rid} Error: Runtime exited with error: signal: killed\nRuntime.ExitError")
            elif k == 12 and i == 1:
                s.new_environment(t)
                s.put(t, f"INIT_START Runtime Version: python:3.12.v{s.version}\tRuntime Version ARN: arn:aws:lambda:{args.region}::runtime:{s.hexid(64)}")
                s.put(t + 5, f"{s.iso(t + 5)}\tundefined\tERROR\tUncaught Exception \t{{\"errorType\":\"Runtime.ImportModuleError\",\"errorMessage\":\"Unable to import module 'index': No module named 'requests'\"}}")
                s.put(t + 229, "INIT_REPORT Init Duration: 229.04 ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError")
            elif k == 11 and i == 1:
                s.new_environment(t)
                s.put(t, f"INIT_START Runtime Version: python:3.12.v{s.version}\tRuntime Version ARN: arn:aws:lambda:{args.region}::runtime:{s.hexid(64)}")
                s.put(t + 9999, "INIT_REPORT Init Duration: 9999.56 ms\tPhase: init\tStatus: timeout")
            elif k in (8, 7) and i == 3:
                s.invoke(t, 3003.15, extra_after=["{iso} {rid} Task timed out after 3.00 seconds"])
            elif k == 5 and i == 4:
                # A truncated event: cut inside the Max Memory Used value.
                s.put(t, f"REPORT RequestId: {s.rid()}\tDuration: 41.20 ms\tBilled Duration: 42 ms\tMemory Size: 128 MB\tMax Memory Used: 7")
            else:
                s.invoke(t, rng.uniform(30, 80), init=init)
        # snapstart-fn: JSON format, SnapStart restores now and then.
        for i in range(6):
            t = t0 + i * 9_700 + rng.randint(0, 300)
            restore = rng.uniform(380, 460) if (i == 0 and k % 5 == 0) else None
            w["snapstart"].invoke(t, rng.uniform(20, 60), restore=restore)
    logs.send(aws)
    out["scenario"] = args.scenario
    out["log_functions"] = [names[k] for k in ("coldstart", "steady", "symptoms", "snapstart")]
    out["log_groups"] = {n: (snap_group if k == "snapstart" else f"/aws/lambda/{n}") for k, n in names.items()}
    out["log_events"] = logs.count()
    out["log_minutes"] = LOG_MINUTES
    return out


def seed_ssl_backends(aws, args):
    """HTTPS HTTP_PROXY integrations for `gwdoctor ssl --api`: with and without
    tlsConfig.insecureSkipVerification."""
    gw = aws.apigw
    api_name = args.api_name or f"ssl-api{args.sfx}"
    api_id = gw.create_rest_api(name=api_name, description="gwdoctor ssl --api test",
                                endpointConfiguration={"types": ["REGIONAL"]})["id"]
    root_id = next(i["id"] for i in gw.get_resources(restApiId=api_id)["items"] if i["path"] == "/")
    backends = [(f"/strict-{i}", u, False) for i, u in enumerate(args.tls_backend)]
    backends += [(f"/private-{i}", u, True) for i, u in enumerate(args.skip_tls_backend)]
    resources, tls_config = [], {}
    for path, url, skip in backends:
        rid = gw.create_resource(restApiId=api_id, parentId=root_id, pathPart=path[1:])["id"]
        gw.put_method(restApiId=api_id, resourceId=rid, httpMethod="GET", authorizationType="NONE")
        kw = {"tlsConfig": {"insecureSkipVerification": True}} if skip else {}
        gw.put_integration(restApiId=api_id, resourceId=rid, httpMethod="GET", type="HTTP_PROXY",
                           integrationHttpMethod="GET", uri=url, timeoutInMillis=29000, **kw)
        got = gw.get_integration(restApiId=api_id, resourceId=rid, httpMethod="GET")
        tls_config[path] = got.get("tlsConfig")
        resources.append({"path": path, "id": rid, "methods": ["GET"], "uri": url,
                          "insecure_skip_verification": skip})
    dep = gw.create_deployment(restApiId=api_id, description="seed")["id"]
    gw.create_stage(restApiId=api_id, stageName=STAGE, deploymentId=dep)
    out = {"scenario": args.scenario, "region": args.region, "api_type": "REST",
           "api_id": api_id, "api_name": api_name, "stage": STAGE, "functions": [],
           "function_arns": {}, "resources": resources, "authorizers": [],
           "tls_config": tls_config}
    return finish(out, args, Metrics(), 0)


def run(args):
    aws = Aws(args.endpoint, args.region)
    s, sfx = args.scenario, args.sfx
    if s in seed_trace.SCENARIOS:   # `gwdoctor trace` scenarios: seed_trace.py
        return seed_trace.run(sys.modules[__name__], aws, args)
    if s in seed_throttles.SCENARIOS:   # `gwdoctor throttles` scenarios: seed_throttles.py
        return seed_throttles.run(sys.modules[__name__], aws, args)
    name = (lambda default: args.api_name or default)
    if s == "backend-slow":
        return seed_rest_orders(aws, args, name(f"orders-api{sfx}"), f"orders-fn{sfx}", minute_backend_slow)
    if s == "cold-start":
        return seed_rest_orders(aws, args, name(f"coldstart-api{sfx}"), f"coldstart-fn{sfx}", minute_cold)
    if s == "throttled":
        return seed_rest_orders(aws, args, name(f"throttled-api{sfx}"), f"throttled-fn{sfx}", minute_throttled)
    if s == "gateway-overhead":
        return seed_rest_orders(aws, args, name(f"gateway-api{sfx}"), f"gateway-fn{sfx}", minute_gateway, authorizer=True)
    if s == "healthy":
        return seed_rest_orders(aws, args, name(f"healthy-api{sfx}"), f"healthy-fn{sfx}", minute_healthy)
    if s == "no-metrics":
        return seed_rest_orders(aws, args, name(f"quiet-api{sfx}"), f"quiet-fn{sfx}", None, with_metrics=False)
    if s == "http-api":
        return seed_http(aws, args)
    if s == "bench-50":
        return seed_bench(aws, args)
    if s == "cold-start-logs":
        return seed_cold_start_logs(aws, args)
    if s == "ssl-backends":
        return seed_ssl_backends(aws, args)
    raise SystemExit(f"unknown scenario {s!r}")


SCENARIOS = ["backend-slow", "cold-start", "throttled", "gateway-overhead", "healthy", "no-metrics", "http-api", "bench-50",
             "cold-start-logs", "ssl-backends"]
SCENARIOS += seed_throttles.SCENARIOS
SCENARIOS += seed_trace.SCENARIOS


def main(argv=None):
    ap = argparse.ArgumentParser(description="Seed the gwdoctor emulator with a scenario.",
                                 epilog="Scenarios: " + ", ".join(SCENARIOS))
    ap.add_argument("scenario", choices=SCENARIOS)
    ap.add_argument("--endpoint", default=os.environ.get("GWDOCTOR_TEST_ENDPOINT") or os.environ.get("AWS_ENDPOINT_URL"),
                    help="the cwproxy URL (default: $GWDOCTOR_TEST_ENDPOINT)")
    ap.add_argument("--region", default=os.environ.get("AWS_REGION") or "us-east-1")
    ap.add_argument("--now", type=int, default=None,
                    help="epoch seconds the data ends at (default: now rounded down to the minute)")
    ap.add_argument("--suffix", default="", help="appended as -SUFFIX to API and function names")
    ap.add_argument("--api-name", default=None, help="name the REST API this instead (the bundled demo is named 'demo')")
    ap.add_argument("--hours", type=int, default=24, help="trace-busy: hours of traffic")
    ap.add_argument("--per-minute", type=int, default=10, help="trace-busy: requests a minute")
    ap.add_argument("--functions", type=int, default=200, help="throttle-many: how many functions")
    ap.add_argument("--no-reservations", action="store_true",
                    help="throttle-many: no reserved concurrency on the fleet (the usual account)")
    ap.add_argument("--account-limit", type=int, default=1000,
                    help="throttle-*: the account concurrency limit the data is shaped for (set cwproxy to it)")
    ap.add_argument("--tls-backend", action="append", default=[], metavar="URL",
                    help="ssl-backends: an HTTPS backend without tlsConfig (repeatable)")
    ap.add_argument("--skip-tls-backend", action="append", default=[], metavar="URL",
                    help="ssl-backends: an HTTPS backend with insecureSkipVerification (repeatable)")
    args = ap.parse_args(argv)
    if not args.endpoint:
        ap.error("--endpoint is required (or set GWDOCTOR_TEST_ENDPOINT)")
    if args.now is None:
        args.now = int(time.time()) // 60 * 60
    args.sfx = f"-{args.suffix}" if args.suffix else ""
    t0 = time.monotonic()
    out = run(args)
    log(f"{args.scenario}: {out['metric_datums']} datums in {time.monotonic() - t0:.1f} s")
    json.dump(out, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
