#!/usr/bin/env python3
# Copied from the gwdoctor harness (shared/harness/cwproxy.py, moto 5.2.5 + botocore 1.44.5); keep in sync by hand.
"""Front proxy for moto_server used by the Rust AWS SDK integration tests.

What it does
  * CloudWatch metrics are served by the proxy itself from an in-memory store:
    PutMetricData, GetMetricData, GetMetricStatistics and ListMetrics, in both
    Smithy RPCv2-CBOR (aws-sdk-cloudwatch) and awsJson1_0 (boto3).  Percentiles
    (pNN, pNN.N), trimmed means (tmNN, TM(a%:b%), IQM), period buckets aligned to
    epoch multiples of Period, ScanBy, MaxDatapoints/NextToken, and arithmetic
    metric math over query ids (a - b, 100 * a / b, ...) are supported.
  * Other CloudWatch RPCv2-CBOR operations (alarms, dashboards, ...) are
    translated to moto (awsJson1_0) and the answer re-encoded as CBOR.
  * Every other request is passed to moto byte for byte.
  * Lambda GetAccountSettings and the provisioned-concurrency operations, which
    moto lacks, are answered by configurable stubs.
  * CloudWatch Logs FilterLogEvents: OR filter patterns (`?"REPORT" ?"INIT_START"`),
    which moto treats as "match everything", are applied here to each page moto returns
    (so pages may come back empty with a nextToken, as on AWS); an optional page size
    makes moto paginate small logs.
  * CloudWatch Logs Insights (moto does not evaluate queries): StartQuery and
    GetQueryResults are answered from canned answers set per region (/__logs/insights);
    every StartQuery is recorded for the test to inspect.

Usage:  cwproxy.py [--rtt-ms N] LISTEN_PORT MOTO_URL
        e.g. cwproxy.py --rtt-ms 20 5001 http://127.0.0.1:5000
  --rtt-ms N   sleep N ms before answering every AWS request (default 0).

Control endpoints (JSON in, JSON out; never logged, never delayed)
  GET    /__health                 readiness probe: {"ok": true}
  POST   /__faults                 add a fault: {"op": "GetMetricData", "service":
                                   "monitoring", "code": "Throttling", "status": 400,
                                   "message": "Rate exceeded", "count": 2,
                                   "delay_ms": 0}.  "op" is an operation name, "*",
                                   "service:Op", or a substring of a REST path.
                                   count < 0 = forever.  With only "delay_ms" (no
                                   code/status) the call is delayed, then answered
                                   normally.  GET lists, DELETE clears.
  GET    /__calls[?service=&op=]   operations seen: [{"service", "op", "t", "method",
                                   "path", "region", "status"}]; DELETE clears.
  POST   /__lambda/account-settings  {"ConcurrentExecutions": 1000,
                                   "UnreservedConcurrentExecutions": 900}; without
                                   Unreserved it is computed as the limit minus
                                   the reserved concurrency moto holds.  GET shows,
                                   DELETE restores the default (1000, computed).
  POST   /__lambda/provisioned     {"FunctionName": "f", "Configs": [{...}]} sets the
                                   ListProvisionedConcurrencyConfigs answer for f.
                                   GET lists, DELETE clears.
  POST   /__stubs                  {"method": "GET", "path": "regex", "status": 200,
                                   "body": {...}} canned REST answer; DELETE clears.
  POST   /__rtt                    {"rtt_ms": N} change the global latency.
  GET    /__metrics                summary of the metric store.
  POST   /__logs/page-size         {"limit": N}: FilterLogEvents asks moto for at most N
                                   events a page (0 = the caller's limit). GET shows.
  POST   /__logs/insights          {"region": "us-east-1", "answers": [{"match": "substring
                                   of the query", "status": "Complete", "running_polls": 1,
                                   "page_size": 0, "rows": [[{"field": "@log", "value":
                                   "..."}, ...], ...], "records_matched": 12}]} canned
                                   answers for that region (StartQuery picks the first
                                   answer whose "match" is in the query string; no answer:
                                   status Complete with no rows). GET ?region= lists the
                                   StartQuery requests seen ({"queries": [...]}); DELETE
                                   clears.
  POST   /__reset                  clear metrics, faults, calls, stubs, lambda
                                   settings, logs settings, and POST moto's /moto-api/reset.
"""
import argparse
import base64
import bisect
import calendar
import datetime
import gzip
import hashlib
import http.client
import json
import math
import re
import socket
import struct
import threading
import time
import traceback
import urllib.parse
import uuid
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.config
import botocore.session
from botocore.exceptions import ClientError
from botocore.parsers import RpcV2CBORParser
from botocore.serialize import RpcV2CBORSerializer

# --------------------------------------------------------------------------- config

ap = argparse.ArgumentParser(description="CloudWatch-emulating front proxy for moto_server")
ap.add_argument("--rtt-ms", type=float, default=0.0, help="latency added to every AWS request")
ap.add_argument("listen_port", nargs="?", type=int, default=5001)
ap.add_argument("moto_url", nargs="?", default="http://127.0.0.1:5000")
ARGS = ap.parse_args()
UPSTREAM = ARGS.moto_url.rstrip("/")
UP = urllib.parse.urlparse(UPSTREAM)
RTT_MS = [ARGS.rtt_ms]

CW_TARGET = "GraniteServiceVersion20100801"
CW_LOCAL_OPS = {"PutMetricData", "GetMetricData", "GetMetricStatistics", "ListMetrics"}
DEFAULT_ACCOUNT = "123456789012"

_session = botocore.session.get_session()
_lock = threading.RLock()
FAULTS = []          # dicts: op, service, code, status, count, message, delay_ms
CALLS = []           # call log
STUBS = []           # user stubs (POST /__stubs)
LAMBDA_SETTINGS = {}  # explicit GetAccountSettings values
PROVISIONED = {}     # function name -> [ProvisionedConcurrencyConfigListItem]
LOGS_PAGE = [0]      # FilterLogEvents page size forced on moto (0 = off)
INSIGHTS = {}        # region -> {"answers": [...], "queries": [...], "running": {id: state}}

# --------------------------------------------------------------------------- errors


class CwError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _cw_model():
    with _lock:
        if "cw" not in _MODELS:
            _MODELS["cw"] = _session.get_service_model("cloudwatch")
        return _MODELS["cw"]


_MODELS = {}
_CW_ERR_SHAPES = {}


def cw_error_type(code):
    """query-compatible error code (e.g. InvalidParameterValue) -> Smithy shape name."""
    if not _CW_ERR_SHAPES:
        m = _cw_model()
        for name in m.shape_names:
            sh = m.shape_for(name)
            if sh.metadata.get("exception"):
                _CW_ERR_SHAPES[sh.metadata.get("error", {}).get("code", name)] = name
    return "com.amazonaws.cloudwatch#" + _CW_ERR_SHAPES.get(code, code)


# --------------------------------------------------------------------------- CBOR


class Ts(float):
    """Epoch seconds that must be encoded as a timestamp."""


def cbor_head(buf, major, n):
    if n < 24:
        buf.append((major << 5) | n)
    elif n < 0x100:
        buf.append((major << 5) | 24); buf.append(n)
    elif n < 0x10000:
        buf.append((major << 5) | 25); buf += n.to_bytes(2, "big")
    elif n < 0x100000000:
        buf.append((major << 5) | 26); buf += n.to_bytes(4, "big")
    else:
        buf.append((major << 5) | 27); buf += n.to_bytes(8, "big")


def cbor_double(buf, v):
    if math.isnan(v):
        buf += b"\xf9\x7e\x00"
    elif math.isinf(v):
        buf += b"\xf9\x7c\x00" if v > 0 else b"\xf9\xfc\x00"
    else:
        buf.append(0xFB); buf += struct.pack(">d", v)


def cbor_enc(buf, v):
    """Generic encoder for the outputs built here (floats stay doubles)."""
    if v is None:
        buf.append(0xF6)
    elif v is True:
        buf.append(0xF5)
    elif v is False:
        buf.append(0xF4)
    elif isinstance(v, Ts):
        buf.append(0xC1)
        if v == int(v):
            cbor_enc(buf, int(v))
        else:
            cbor_double(buf, float(v))
    elif isinstance(v, float):
        cbor_double(buf, v)
    elif isinstance(v, int):
        if v >= 0:
            cbor_head(buf, 0, v)
        else:
            cbor_head(buf, 1, -1 - v)
    elif isinstance(v, str):
        b = v.encode("utf-8"); cbor_head(buf, 3, len(b)); buf += b
    elif isinstance(v, (bytes, bytearray)):
        cbor_head(buf, 2, len(v)); buf += v
    elif isinstance(v, (list, tuple)):
        cbor_head(buf, 4, len(v))
        for x in v:
            cbor_enc(buf, x)
    elif isinstance(v, dict):
        items = [(k, x) for k, x in v.items() if x is not None]
        cbor_head(buf, 5, len(items))
        for k, x in items:
            cbor_enc(buf, k); cbor_enc(buf, x)
    else:
        raise TypeError(f"cannot CBOR-encode {type(v)}")


def cbor_dumps(v):
    buf = bytearray()
    cbor_enc(buf, v)
    return bytes(buf)


def json_default(o):
    if isinstance(o, (datetime.datetime, datetime.date)):
        return o.isoformat()
    if isinstance(o, (bytes, bytearray)):
        return base64.b64encode(o).decode()
    raise TypeError(type(o))


# --------------------------------------------------------------------------- helpers


def to_epoch(v, what="timestamp"):
    if v is None:
        raise CwError("MissingParameter", f"The parameter {what} is required.")
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            return calendar.timegm(v.timetuple()) + v.microsecond / 1e6
        return v.timestamp()
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            pass
        try:
            d = datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
            return to_epoch(d, what)
        except ValueError:
            pass
    raise CwError("InvalidParameterValue", f"The value {v!r} for parameter {what} is invalid.")


def region_from_auth(headers):
    auth = headers.get("Authorization", "")
    try:
        return auth.split("Credential=")[1].split("/")[2]
    except Exception:
        return "us-east-1"


def signing_name(headers, path):
    auth = headers.get("Authorization", "")
    try:
        return auth.split("Credential=")[1].split("/")[3]
    except Exception:
        pass
    q = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
    cred = q.get("X-Amz-Credential", [""])[0].split("/")
    if len(cred) >= 4:
        return cred[3]
    tgt = headers.get("X-Amz-Target", "")
    if tgt.startswith(CW_TARGET) or path.startswith(f"/service/{CW_TARGET}/"):
        return "monitoring"
    if tgt.startswith("Logs_"):
        return "logs"
    return "unknown"


def valid_period(p):
    return isinstance(p, int) and p > 0 and (p in (1, 5, 10, 20, 30) or p % 60 == 0)


# --------------------------------------------------------------------------- statistics

BASIC_STATS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_NUM = r"(\d+(?:\.\d+)?)"
RE_P = re.compile(r"^[pP]" + _NUM + r"$")
RE_TM = re.compile(r"^(?:tm|TM)" + _NUM + r"$")
RE_TMR = re.compile(r"^(?:TM|tm)\(" + _NUM + r"%:" + _NUM + r"%\)$")


def _sorted_raw(raw):
    if raw is None:
        return None
    items = sorted((v, c) for v, c in raw if c > 0)
    if not items or items[0][0] < 0:  # percentiles undefined with negative values (AWS)
        return None
    return items


def percentile(raw, p):
    """Nearest-rank percentile over (value, count) pairs; p is a Fraction 0..100."""
    items = _sorted_raw(raw)
    if items is None:
        return None
    if all(float(c).is_integer() for _, c in items):
        total = sum(int(c) for _, c in items)
        rank = max(1, math.ceil(p * total / 100))
        cum = 0
        for v, c in items:
            cum += int(c)
            if cum >= rank:
                return v
        return items[-1][0]
    total = sum(Fraction(c) for _, c in items)
    target = p * total / 100
    cum = Fraction(0)
    for v, c in items:
        cum += Fraction(c)
        if cum >= target:
            return v
    return items[-1][0]


def trimmed_mean(raw, lo_p, hi_p):
    """Mean of the values ranked in (floor(lo%*N), ceil(hi%*N)] (counts expanded)."""
    items = _sorted_raw(raw)
    if items is None:
        return None
    integral = all(float(c).is_integer() for _, c in items)
    total = sum(Fraction(c) for _, c in items)
    lo, hi = lo_p * total / 100, hi_p * total / 100
    if integral:
        lo, hi = math.floor(lo), math.ceil(hi)
    s = Fraction(0)
    n = Fraction(0)
    cum = Fraction(0)
    for v, c in items:
        a, b = cum, cum + Fraction(c)
        ov = min(b, hi) - max(a, lo)
        if ov > 0:
            s += Fraction(v) * ov
            n += ov
        cum = b
    return float(s / n) if n > 0 else None


def parse_stat(stat):
    """Return a function(bucket) -> float|None, or None if the statistic is unknown."""
    if stat == "SampleCount":
        return lambda b: b.count if b.count > 0 else None
    if stat == "Sum":
        return lambda b: b.sum if b.count > 0 else None
    if stat == "Minimum":
        return lambda b: b.mn if b.count > 0 else None
    if stat == "Maximum":
        return lambda b: b.mx if b.count > 0 else None
    if stat == "Average":
        return lambda b: b.sum / b.count if b.count > 0 else None
    m = RE_P.match(stat)
    if m:
        p = Fraction(m.group(1))
        if p > 100:
            return None
        return lambda b: percentile(b.raw, p)
    m = RE_TM.match(stat)
    if m:
        p = Fraction(m.group(1))
        if p > 100:
            return None
        return lambda b: trimmed_mean(b.raw, Fraction(0), p)
    m = RE_TMR.match(stat)
    if m:
        lo, hi = Fraction(m.group(1)), Fraction(m.group(2))
        if not (0 <= lo < hi <= 100):
            return None
        return lambda b: trimmed_mean(b.raw, lo, hi)
    if stat == "IQM":
        return lambda b: trimmed_mean(b.raw, Fraction(25), Fraction(75))
    return None


# --------------------------------------------------------------------------- metric store


class Bucket:
    __slots__ = ("count", "sum", "mn", "mx", "raw", "unit")

    def __init__(self):
        self.count, self.sum, self.mn, self.mx, self.raw, self.unit = 0.0, 0.0, math.inf, -math.inf, [], None

    def add(self, pt):
        _, unit, count, sm, mn, mx, raw = pt
        self.count += count
        self.sum += sm
        if count > 0:
            self.mn = min(self.mn, mn)
            self.mx = max(self.mx, mx)
        if self.unit is None:
            self.unit = unit
        if raw is None:
            self.raw = None
        elif self.raw is not None:
            self.raw.extend(raw)


class Series:
    __slots__ = ("ns", "name", "dims", "pts", "ts", "dirty")

    def __init__(self, ns, name, dims):
        self.ns, self.name, self.dims = ns, name, dims
        self.pts, self.ts, self.dirty = [], [], False

    def add(self, pt):
        self.pts.append(pt)
        self.dirty = True

    def range(self, t0, t1):
        if self.dirty:
            self.pts.sort(key=lambda p: p[0])
            self.ts = [p[0] for p in self.pts]
            self.dirty = False
        return self.pts[bisect.bisect_left(self.ts, t0):bisect.bisect_left(self.ts, t1)]


STORE = {}  # region -> {(ns, name, dims_key): Series}   (insertion ordered)


def dims_key(dims):
    return tuple(sorted((d.get("Name"), d.get("Value")) for d in (dims or [])))


def buckets_for(series, period, t0, t1, unit):
    """Aggregate points in [floor(t0/period)*period, t1) into epoch-aligned buckets."""
    start = math.floor(t0 / period) * period
    out = {}
    for pt in series.range(start, t1):
        if unit and (pt[1] or "None") != unit:
            continue
        b = int(pt[0] // period) * period
        bk = out.get(b)
        if bk is None:
            bk = out[b] = Bucket()
        bk.add(pt)
    return out


def put_metric_data(params, region):
    ns = params.get("Namespace")
    if not ns:
        raise CwError("MissingParameter", "The parameter Namespace is required.")
    data = list(params.get("MetricData") or [])
    for emd in params.get("EntityMetricData") or []:
        data.extend(emd.get("MetricData") or [])
    if len(data) > 1000:
        raise CwError("InvalidParameterValue", "The collection MetricData must not have a size greater than 1000.")
    now = time.time()
    parsed = []
    for i, d in enumerate(data, 1):
        pre = f"MetricData.member.{i}"
        name = d.get("MetricName")
        if not name:
            raise CwError("MissingParameter", f"The parameter {pre}.MetricName is required.")
        dims = d.get("Dimensions") or []
        if len(dims) > 30:
            raise CwError("InvalidParameterValue", f"The collection {pre}.Dimensions must not have a size greater than 30.")
        for j, dm in enumerate(dims, 1):
            if not dm.get("Name") or dm.get("Value") is None:
                raise CwError("MissingParameter", f"The parameter {pre}.Dimensions.member.{j}.Name and Value are required.")
        ts = to_epoch(d["Timestamp"], f"{pre}.Timestamp") if d.get("Timestamp") is not None else now
        unit = d.get("Unit") or "None"
        has_v, vals, ss = d.get("Value") is not None, d.get("Values") or [], d.get("StatisticValues")
        if has_v and vals:
            raise CwError("InvalidParameterValue", f"The parameters {pre}.Value and {pre}.Values are mutually exclusive and you have specified both.")
        if has_v and ss:
            raise CwError("InvalidParameterCombination", f"The parameters {pre}.Value and {pre}.StatisticValues are mutually exclusive and you have specified both.")
        if vals and ss:
            raise CwError("InvalidParameterCombination", f"The parameters {pre}.Values and {pre}.StatisticValues are mutually exclusive and you have specified both.")
        if has_v:
            v = float(d["Value"])
            if not math.isfinite(v):
                raise CwError("InvalidParameterValue", f"The value {v} for parameter {pre}.Value is invalid.")
            pt = (ts, unit, 1.0, v, v, v, [(v, 1.0)])
        elif vals:
            if len(vals) > 150:
                raise CwError("InvalidParameterValue", f"The collection {pre}.Values must not have a size greater than 150.")
            counts = d.get("Counts") or [1.0] * len(vals)
            if len(counts) != len(vals):
                raise CwError("InvalidParameterValue", f"The parameters {pre}.Values and {pre}.Counts must be of the same size.")
            raw = []
            for v, c in zip(vals, counts):
                v, c = float(v), float(c)
                if not math.isfinite(v):
                    raise CwError("InvalidParameterValue", f"The value {v} for parameter {pre}.Values is invalid.")
                if not math.isfinite(c) or c < 0:
                    raise CwError("InvalidParameterValue", f"The value {c} for parameter {pre}.Counts is invalid.")
                raw.append((v, c))
            live = [v for v, c in raw if c > 0]
            cnt = sum(c for _, c in raw)
            pt = (ts, unit, cnt, sum(v * c for v, c in raw), min(live) if live else 0.0,
                  max(live) if live else 0.0, raw)
        elif ss:
            for k in ("SampleCount", "Sum", "Minimum", "Maximum"):
                if ss.get(k) is None:
                    raise CwError("MissingParameter", f"The parameter {pre}.StatisticValues.{k} is required.")
            cnt, sm, mn, mx = (float(ss[k]) for k in ("SampleCount", "Sum", "Minimum", "Maximum"))
            # AWS can derive percentiles from a statistic set only when Min == Max
            raw = [(mn, cnt)] if mn == mx and abs(sm - mn * cnt) <= 1e-9 * max(1.0, abs(sm)) else None
            pt = (ts, unit, cnt, sm, mn, mx, raw)
        else:
            raise CwError("MissingParameter", f"The parameter {pre}.Value, {pre}.Values or {pre}.StatisticValues is required.")
        parsed.append((name, dims, pt))
    with _lock:
        reg = STORE.setdefault(region, {})
        for name, dims, pt in parsed:
            key = (ns, name, dims_key(dims))
            s = reg.get(key)
            if s is None:
                s = reg[key] = Series(ns, name, [{"Name": x["Name"], "Value": x["Value"]} for x in dims])
            s.add(pt)
    return {}


def list_metrics(params, region):
    ns, name = params.get("Namespace"), params.get("MetricName")
    filters = params.get("Dimensions") or []
    with _lock:
        series = list(STORE.get(region, {}).values())
    out = []
    for s in series:
        if ns and s.ns != ns or name and s.name != name:
            continue
        dd = {d["Name"]: d["Value"] for d in s.dims}
        if all(f.get("Name") in dd and (f.get("Value") is None or dd[f["Name"]] == f["Value"]) for f in filters):
            out.append({"Namespace": s.ns, "MetricName": s.name, "Dimensions": [dict(d) for d in s.dims]})
    off = decode_token(params.get("NextToken"), "lm", "InvalidParameterValue")
    page = out[off:off + 500]
    res = {"Metrics": page}
    if off + 500 < len(out):
        res["NextToken"] = encode_token("lm", off + 500)
    return res


def encode_token(kind, off, h=""):
    return base64.urlsafe_b64encode(json.dumps({"k": kind, "o": off, "h": h}).encode()).decode()


def decode_token(tok, kind, code, h=""):
    if not tok:
        return 0
    try:
        d = json.loads(base64.urlsafe_b64decode(tok.encode()))
        if d["k"] == kind and (not h or d["h"] == h) and isinstance(d["o"], int) and d["o"] >= 0:
            return d["o"]
    except Exception:
        pass
    raise CwError(code, "The service couldn't process the NextToken." if code == "InvalidNextToken"
                  else f"The value {tok} for parameter NextToken is invalid.")


def get_metric_statistics(params, region):
    for k in ("Namespace", "MetricName", "StartTime", "EndTime", "Period"):
        if params.get(k) is None:
            raise CwError("MissingParameter", f"The parameter {k} is required.")
    t0, t1 = to_epoch(params["StartTime"], "StartTime"), to_epoch(params["EndTime"], "EndTime")
    if t0 >= t1:
        raise CwError("InvalidParameterValue", "The parameter StartTime must be less than the parameter EndTime.")
    period = params["Period"]
    if not valid_period(period):
        raise CwError("InvalidParameterValue", "The parameter Period must be a multiple of 60 (or 1, 5, 10, 20, 30 for high-resolution metrics).")
    stats = params.get("Statistics") or []
    ext = params.get("ExtendedStatistics") or []
    if not stats and not ext:
        raise CwError("InvalidParameterCombination", "Must specify either Statistics or ExtendedStatistics")
    if len(stats) > 5:
        raise CwError("InvalidParameterValue", "The collection Statistics must not have a size greater than 5.")
    if len(ext) > 10:
        raise CwError("InvalidParameterValue", "The collection ExtendedStatistics must not have a size greater than 10.")
    fns = []
    for s in stats:
        if s not in BASIC_STATS:
            raise CwError("InvalidParameterValue", f"The value {s} for parameter Statistics is not supported.")
        fns.append((s, parse_stat(s), False))
    for s in ext:
        f = parse_stat(s) if s not in BASIC_STATS else None
        if f is None:
            raise CwError("InvalidParameterValue", f"The value {s} for parameter ExtendedStatistics is not supported.")
        fns.append((s, f, True))
    n = math.ceil((t1 - math.floor(t0 / period) * period) / period)
    if n > 1440:
        raise CwError("InvalidParameterCombination",
                      f"You have requested up to {n} datapoints, which exceeds the limit of 1440. You may reduce the "
                      "datapoints requested by increasing Period, or decreasing the time range.")
    unit = params.get("Unit")
    key = (params["Namespace"], params["MetricName"], dims_key(params.get("Dimensions")))
    dps = []
    with _lock:
        s = STORE.get(region, {}).get(key)
        bks = buckets_for(s, period, t0, t1, unit) if s else {}
    for b in sorted(bks):
        bk = bks[b]
        if bk.count <= 0:
            continue
        dp = {"Timestamp": Ts(b), "Unit": unit or bk.unit or "None"}
        ev = {}
        for name, f, is_ext in fns:
            v = f(bk)
            if v is None:
                continue
            if is_ext:
                ev[name] = float(v)
            else:
                dp[name] = float(v)
        if ev:
            dp["ExtendedStatistics"] = ev
        dps.append(dp)
    return {"Label": params["MetricName"], "Datapoints": dps}


# --------------------------------------------------------------------------- metric math

_TOKRE = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\S))")


def parse_expression(src):
    toks = []
    pos = 0
    src = src.rstrip()
    while pos < len(src):
        m = _TOKRE.match(src, pos)
        if not m:
            break
        pos = m.end()
        if m.group(1):
            toks.append(("num", float(m.group(1))))
        elif m.group(2):
            toks.append(("id", m.group(2)))
        elif m.group(3):
            toks.append(("op", m.group(3)))
    toks.append(("end", None))
    i = [0]

    def peek():
        return toks[i[0]]

    def take():
        t = toks[i[0]]; i[0] += 1; return t

    def fail(msg):
        raise CwError("ValidationError", f"Error in expression '{src}': {msg}")

    def expr():
        node = term()
        while peek() in (("op", "+"), ("op", "-")):
            node = ("bin", take()[1], node, term())
        return node

    def term():
        node = unary()
        while peek() in (("op", "*"), ("op", "/")):
            node = ("bin", take()[1], node, unary())
        return node

    def unary():
        if peek() == ("op", "-"):
            take(); return ("neg", unary())
        if peek() == ("op", "+"):
            take(); return unary()
        return primary()

    def primary():
        kind, v = take()
        if kind == "num":
            return ("num", v)
        if kind == "id":
            if peek() == ("op", "("):
                take()
                args = [] if peek() == ("op", ")") else [expr()]
                while peek() == ("op", ","):
                    take(); args.append(expr())
                if take() != ("op", ")"):
                    fail("expected ')'")
                if v.upper() == "ABS" and len(args) == 1:
                    return ("abs", args[0])
                raise CwError("ValidationError", f"cwproxy: metric math function {v}() is not supported "
                              "(only + - * / ( ) ABS() over query ids and numbers)")
            if not re.match(r"^[a-z][A-Za-z0-9_]*$", v):
                raise CwError("ValidationError", f"cwproxy: unsupported metric math token '{v}'")
            return ("id", v)
        if (kind, v) == ("op", "("):
            node = expr()
            if take() != ("op", ")"):
                fail("expected ')'")
            return node
        fail(f"unexpected token {v!r}" if kind != "end" else "unexpected end of expression")

    node = expr()
    if peek()[0] != "end":
        fail(f"unexpected token {peek()[1]!r}")
    return node


def expr_ids(node, acc):
    if node[0] == "id":
        acc.add(node[1])
    for x in node[1:]:
        if isinstance(x, tuple):
            expr_ids(x, acc)
    return acc


def _apply(op, a, b):
    try:
        r = a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / b
    except ZeroDivisionError:
        return None
    return r if math.isfinite(r) else None


def eval_expression(node, lookup):
    k = node[0]
    if k == "num":
        return node[1]
    if k == "id":
        return lookup(node[1])
    if k in ("neg", "abs"):
        x = eval_expression(node[1], lookup)
        f = (lambda v: -v) if k == "neg" else abs
        return f(x) if isinstance(x, float) else {t: f(v) for t, v in x.items()}
    op, a, b = node[1], eval_expression(node[2], lookup), eval_expression(node[3], lookup)
    if isinstance(a, float) and isinstance(b, float):
        return _apply(op, a, b)
    out = {}
    if isinstance(a, float):
        for t, v in b.items():
            r = _apply(op, a, v)
            if r is not None:
                out[t] = r
    elif isinstance(b, float):
        for t, v in a.items():
            r = _apply(op, v, b)
            if r is not None:
                out[t] = r
    else:
        for t, v in a.items():
            if t in b:
                r = _apply(op, v, b[t])
                if r is not None:
                    out[t] = r
    return out


# --------------------------------------------------------------------------- GetMetricData

RE_ID = re.compile(r"^[a-z][A-Za-z0-9_]{0,254}$")


def get_metric_data(params, region):
    queries = params.get("MetricDataQueries")
    if queries is None:
        raise CwError("MissingParameter", "The parameter MetricDataQueries is required.")
    if len(queries) > 500:
        raise CwError("ValidationError", "The collection MetricDataQueries must not have a size greater than 500.")
    t0, t1 = to_epoch(params.get("StartTime"), "StartTime"), to_epoch(params.get("EndTime"), "EndTime")
    if t0 > t1:
        raise CwError("ValidationError", "The parameter EndTime must be greater than StartTime.")
    if t0 == t1:
        raise CwError("ValidationError", "The parameter StartTime must not equal parameter EndTime.")
    scan = params.get("ScanBy") or "TimestampDescending"
    if scan not in ("TimestampDescending", "TimestampAscending"):
        raise CwError("ValidationError", f"The value {scan} for parameter ScanBy is invalid.")
    maxdp = params.get("MaxDatapoints")
    maxdp = 100800 if maxdp is None else maxdp
    if maxdp < 1:
        raise CwError("ValidationError", f"The value {maxdp} for parameter MaxDatapoints is invalid.")
    by_id, parsed = {}, {}
    for i, q in enumerate(queries, 1):
        pre = f"MetricDataQueries.member.{i}"
        qid = q.get("Id")
        if not qid or not RE_ID.match(qid):
            raise CwError("ValidationError", f"The value {qid} for parameter {pre}.Id is invalid: it must start with a "
                          "lowercase letter and contain only letters, numbers and underscores.")
        if qid in by_id:
            raise CwError("ValidationError", "The values for parameter id in MetricDataQueries are not unique.")
        by_id[qid] = q
        ms, ex = q.get("MetricStat"), q.get("Expression")
        if ms and ex:
            raise CwError("ValidationError", f"The parameters {pre}.MetricStat and {pre}.Expression are mutually exclusive and you have specified both.")
        if not ms and not ex:
            raise CwError("ValidationError", f"The parameter {pre}.MetricStat is required.\n")
        if ms:
            m = ms.get("Metric") or {}
            for k in ("Namespace", "MetricName"):
                if not m.get(k):
                    raise CwError("ValidationError", f"The parameter {pre}.MetricStat.Metric.{k} is required.")
            if not valid_period(ms.get("Period")):
                raise CwError("ValidationError", f"The parameter {pre}.MetricStat.Period must be 1, 5, 10, 20, 30, 60 or a multiple of 60.")
            fn = parse_stat(ms.get("Stat") or "")
            if fn is None:
                raise CwError("ValidationError", f"The value {ms.get('Stat')} for parameter {pre}.MetricStat.Stat is not a valid statistic.")
            parsed[qid] = ("stat", fn)
        else:
            node = parse_expression(ex)
            parsed[qid] = ("expr", node)
    for qid, (kind, node) in parsed.items():
        if kind == "expr":
            missing = sorted(expr_ids(node, set()) - set(by_id))
            if missing:
                raise CwError("ValidationError", f"Error in expression '{by_id[qid]['Expression']}': Unrecognized identifier(s): {', '.join(missing)}")

    cache, active = {}, set()

    def series_of(qid):
        if qid in cache:
            return cache[qid]
        if qid in active:
            raise CwError("ValidationError", f"Circular dependency in metric math involving '{qid}'.")
        active.add(qid)
        kind, obj = parsed[qid]
        q = by_id[qid]
        if kind == "stat":
            ms = q["MetricStat"]
            m = ms["Metric"]
            key = (m["Namespace"], m["MetricName"], dims_key(m.get("Dimensions")))
            s = STORE.get(region, {}).get(key)
            out = {}
            if s is not None:
                bks = buckets_for(s, ms["Period"], t0, t1, ms.get("Unit"))
                for b in sorted(bks):
                    v = obj(bks[b])
                    if v is not None:
                        out[b] = float(v)
        else:
            out = eval_expression(obj, series_of)
            if isinstance(out, float) or out is None:
                raise CwError("ValidationError", f"cwproxy: expression '{q['Expression']}' must reference at least one metric.")
        active.discard(qid)
        cache[qid] = out
        return out

    results = []
    with _lock:
        for q in queries:
            if q.get("ReturnData", True) is False:
                continue
            qid = q["Id"]
            ser = series_of(qid)
            ts = sorted(ser, reverse=(scan == "TimestampDescending"))
            label = q.get("Label") or (q["MetricStat"]["Metric"]["MetricName"] if "MetricStat" in q and q["MetricStat"] else qid)
            results.append({"Id": qid, "Label": label, "Timestamps": [Ts(t) for t in ts],
                            "Values": [ser[t] for t in ts], "StatusCode": "Complete"})
    if any(parsed[q][0] == "expr" for q in parsed):
        return {"MetricDataResults": results, "Messages": []}  # AWS: no NextToken with math
    h = hashlib.sha1(json.dumps([queries, t0, t1, scan], sort_keys=True, default=str).encode()).hexdigest()[:16]
    off = decode_token(params.get("NextToken"), "gmd", "InvalidNextToken", h)
    end = off + maxdp
    page, pos = [], 0
    for r in results:
        n = len(r["Values"])
        a, b = max(0, off - pos), max(0, min(n, end - pos))
        if off == 0 or b > a:
            rr = dict(r)
            rr["Timestamps"], rr["Values"] = r["Timestamps"][a:b], r["Values"][a:b]
            rr["StatusCode"] = "PartialData" if pos + n > end else "Complete"
            page.append(rr)
        pos += n
    res = {"MetricDataResults": page, "Messages": []}
    if end < pos:
        res["NextToken"] = encode_token("gmd", end, h)
    return res


CW_HANDLERS = {"PutMetricData": put_metric_data, "GetMetricData": get_metric_data,
               "GetMetricStatistics": get_metric_statistics, "ListMetrics": list_metrics}

# --------------------------------------------------------------------------- REST op names

SIGNING_TO_MODELS = {"apigateway": ["apigateway", "apigatewayv2"], "monitoring": ["cloudwatch"],
                     "states": ["stepfunctions"], "execute-api": []}
_ROUTES = {}


def _routes_for(service):
    with _lock:
        if service in _ROUTES:
            return _ROUTES[service]
        routes = []
        for name in SIGNING_TO_MODELS.get(service, [service]):
            try:
                m = _session.get_service_model(name)
            except Exception:
                continue
            for op in m.operation_names:
                h = m.operation_model(op).http
                p, _, q = h.get("requestUri", "/").partition("?")
                p = p.rstrip("/") or "/"
                rx, lit = "", 0
                for part in re.split(r"(\{[^}]+\})", p):
                    if part.startswith("{"):
                        rx += "(.+)" if part.endswith("+}") else "([^/]+)"
                    else:
                        rx += re.escape(part); lit += len(part)
                qlits = [tuple(x.split("=", 1)) if "=" in x else (x, None) for x in q.split("&") if x]
                routes.append((h.get("method", "GET"), re.compile("^" + rx + "/?$"), qlits, lit, op))
        _ROUTES[service] = routes
        return routes


def rest_op(service, method, path, query):
    p = path.rstrip("/") or "/"
    qs = urllib.parse.parse_qs(query, keep_blank_values=True)
    best = None
    for meth, rx, qlits, lit, op in _routes_for(service):
        if meth != method or not rx.match(p):
            continue
        if any(k not in qs or (v is not None and v not in qs[k]) for k, v in qlits):
            continue
        score = (len(qlits), lit)
        if best is None or score > best[0]:
            best = (score, op)
    return best[1] if best else f"{method} {path}"


# --------------------------------------------------------------------------- moto helpers

_clients = {}


def client_for(service, region):
    import boto3  # only needed for the CBOR -> moto translation of non-metric operations
    key = (service, region)
    with _lock:
        if key not in _clients:
            _clients[key] = boto3.client(
                service, region_name=region, endpoint_url=UPSTREAM,
                aws_access_key_id="testing", aws_secret_access_key="testing",
                config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        return _clients[key]


def moto_request(method, path, body=b"", headers=None, timeout=60):
    conn = http.client.HTTPConnection(UP.hostname, UP.port or 80, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        conn.close()


def fn_name_from(ident):
    ident = urllib.parse.unquote(ident)
    if ident.startswith("arn:"):
        parts = ident.split(":")
        return parts[6] if len(parts) > 6 else ident
    if ":function:" in ident:
        return ident.split(":function:")[1].split(":")[0]
    return ident.split(":")[0]


def lambda_usage(auth_headers):
    """(function count, total code size, sum of reserved concurrency) from moto."""
    n, size, reserved, marker = 0, 0, 0, None
    hdrs = {k: v for k, v in auth_headers.items() if k.lower() in ("authorization", "x-amz-date", "x-amz-security-token")}
    while True:
        q = "?MaxItems=50" + (f"&Marker={urllib.parse.quote(marker)}" if marker else "")
        st, _, body = moto_request("GET", "/2015-03-31/functions/" + q, headers=hdrs, timeout=10)
        if st != 200:
            break
        d = json.loads(body or b"{}")
        for f in d.get("Functions", []):
            n += 1
            size += f.get("CodeSize", 0) or 0
            st2, _, b2 = moto_request("GET", f"/2019-09-30/functions/{urllib.parse.quote(f['FunctionName'])}/concurrency",
                                      headers=hdrs, timeout=10)
            if st2 == 200:
                reserved += json.loads(b2 or b"{}").get("ReservedConcurrentExecutions") or 0
        marker = d.get("NextMarker")
        if not marker:
            break
    return n, size, reserved


# --------------------------------------------------------------------------- HTTP

JSON_HDR = {"Content-Type": "application/json"}
CBOR_HDR = {"Content-Type": "application/cbor", "smithy-protocol": "rpc-v2-cbor"}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        pass

    # ---- plumbing
    def _send(self, status, headers, body, head_len=None):
        if getattr(self, "_entry", None) is not None:
            self._entry["status"] = status
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(head_len if head_len is not None else len(body)))
            self._headers_buffer.append(b"\r\n")  # headers and body in one write (no Nagle stall)
            if self.command != "HEAD":
                self._headers_buffer.append(body)
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _json(self, status, obj, extra=None):
        h = dict(JSON_HDR)
        h.update(extra or {})
        self._send(status, h, json.dumps(obj, default=json_default).encode())

    def _body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    # ---- entry point
    def _handle(self):
        self._entry = None
        body = self._body()
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, url.query
        if path.startswith("/__"):
            try:
                return self._control(path, query, body)
            except Exception as e:
                traceback.print_exc()
                return self._json(400, {"error": repr(e)})
        if path.startswith("/moto-api"):
            return self._passthrough(body)
        proto, service, op = self._classify(path, query, body)
        region = region_from_auth(self.headers)
        self._entry = {"service": service, "op": op, "t": time.time(), "method": self.command,
                       "path": path, "region": region, "status": None}
        with _lock:
            CALLS.append(self._entry)
        if RTT_MS[0] > 0:
            time.sleep(RTT_MS[0] / 1000.0)
        f = take_fault(service, op, path)
        if f is not None:
            if f.get("delay_ms"):
                time.sleep(f["delay_ms"] / 1000.0)
            if "code" in f or "status" in f:
                return self._fault_response(proto, f)
        try:
            if proto in ("cbor", "cwjson"):
                if "gzip" in self.headers.get("Content-Encoding", ""):
                    body = gzip.decompress(body)
                if op in CW_LOCAL_OPS:
                    return self._cw_local(proto, op, body, region)
                if proto == "cbor":
                    return self._cbor_via_moto(op, body, region)
                return self._passthrough(self._raw_body)
            if proto == "json" and service == "logs" and op == "FilterLogEvents":
                return self._filter_log_events(body)
            if proto == "json" and service == "logs" and op in ("StartQuery", "GetQueryResults"):
                if self._insights(op, body, region):
                    return
            if proto == "rest":
                if self._stub(path):
                    return
                if service == "lambda" and self._lambda_stub(op, path, query, body, region):
                    return
            return self._passthrough(body)
        except Exception as e:
            traceback.print_exc()
            return self._error(proto, 500, "InternalFailure", f"cwproxy: {e!r}")

    def _classify(self, path, query, body):
        self._raw_body = body
        service = signing_name(self.headers, self.path)
        if self.headers.get("smithy-protocol") == "rpc-v2-cbor" or path.startswith(f"/service/{CW_TARGET}/"):
            parts = path.strip("/").split("/")
            return "cbor", service, parts[3] if len(parts) >= 4 else path
        tgt = self.headers.get("X-Amz-Target")
        if tgt:
            prefix, _, op = tgt.rpartition(".")
            return ("cwjson" if prefix == CW_TARGET else "json"), service, op
        ctype = self.headers.get("Content-Type", "")
        if "x-www-form-urlencoded" in ctype or "Action=" in query:
            try:
                form = urllib.parse.parse_qs(query + "&" + body.decode("utf-8", "replace"))
                if form.get("Action"):
                    return "query", service, form["Action"][0]
            except Exception:
                pass
        return "rest", service, rest_op(service, self.command, path, query)

    # ---- errors
    def _error(self, proto, status, code, message):
        if proto == "cbor":
            h = dict(CBOR_HDR)
            h["x-amzn-query-error"] = f"{code};{'Sender' if status < 500 else 'Receiver'}"
            return self._send(status, h, cbor_dumps({"__type": cw_error_type(code), "message": message}))
        if proto in ("cwjson", "json"):
            ctype = self.headers.get("Content-Type") or "application/x-amz-json-1.0"
            h = {"Content-Type": ctype}
            typ = code
            if proto == "cwjson":
                h["x-amzn-query-error"] = f"{code};{'Sender' if status < 500 else 'Receiver'}"
                typ = cw_error_type(code)
            return self._send(status, h, json.dumps({"__type": typ, "message": message}).encode())
        if proto == "query":
            x = (f'<ErrorResponse><Error><Type>{"Sender" if status < 500 else "Receiver"}</Type><Code>{code}</Code>'
                 f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
            return self._send(status, {"Content-Type": "text/xml"}, x.encode())
        return self._send(status, {"Content-Type": "application/json", "x-amzn-ErrorType": code},
                          json.dumps({"message": message, "Type": "User" if status < 500 else "Service"}).encode())

    def _fault_response(self, proto, f):
        return self._error(proto, int(f.get("status", 400)), f.get("code", "ThrottlingException"),
                           f.get("message", "Rate exceeded"))

    # ---- CloudWatch served here
    def _cw_local(self, proto, op, body, region):
        try:
            if proto == "cbor":
                params = {}
                if body:
                    opm = _cw_model().operation_model(op)
                    params = RpcV2CBORParser().parse({"body": body, "headers": {}, "status_code": 200}, opm.input_shape)
                    params.pop("ResponseMetadata", None)
            else:
                params = json.loads(body or b"{}")
            out = CW_HANDLERS[op](params, region)
        except CwError as e:
            return self._error(proto, e.status, e.code, e.message)
        rid = {"x-amzn-RequestId": str(uuid.uuid4())}
        if proto == "cbor":
            return self._send(200, {**CBOR_HDR, **rid}, cbor_dumps(out))
        return self._send(200, {"Content-Type": "application/x-amz-json-1.0", **rid}, json.dumps(out).encode())

    def _cbor_via_moto(self, op, body, region):
        model = _cw_model()
        opm = model.operation_model(op)
        params = {}
        if opm.input_shape is not None and body:
            params = RpcV2CBORParser().parse({"body": body, "headers": {}, "status_code": 200}, opm.input_shape)
            params.pop("ResponseMetadata", None)
        try:
            out = getattr(client_for("cloudwatch", region), botocore.xform_name(op))(**params)
        except ClientError as e:
            err = e.response.get("Error", {})
            st = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
            return self._error("cbor", st, err.get("Code", "InternalFailure"), err.get("Message", ""))
        out.pop("ResponseMetadata", None)
        buf = bytearray()
        if opm.output_shape is not None:
            RpcV2CBORSerializer()._serialize_data_item(buf, out, opm.output_shape)
        return self._send(200, CBOR_HDR, bytes(buf))

    # ---- stubs
    def _stub(self, path):
        with _lock:
            st = next((s for s in STUBS if s.get("method", "GET") == self.command and re.search(s["path"], path)), None)
        if st is None:
            return False
        self._json(st.get("status", 200), st.get("body", {}))
        return True

    def _lambda_stub(self, op, path, query, body, region):
        if op == "GetAccountSettings":
            with _lock:
                cfg = dict(LAMBDA_SETTINGS)
            limit = int(cfg.get("ConcurrentExecutions", 1000))
            try:
                n, size, reserved = lambda_usage(self.headers)
            except Exception:
                traceback.print_exc()
                n, size, reserved = 0, 0, 0
            unres = cfg.get("UnreservedConcurrentExecutions")
            unres = int(unres) if unres is not None else limit - reserved
            self._json(200, {"AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                                              "CodeSizeZipped": 52428800, "ConcurrentExecutions": limit,
                                              "UnreservedConcurrentExecutions": unres},
                             "AccountUsage": {"TotalCodeSize": size, "FunctionCount": n}})
            return True
        if op not in ("ListProvisionedConcurrencyConfigs", "GetProvisionedConcurrencyConfig",
                      "PutProvisionedConcurrencyConfig", "DeleteProvisionedConcurrencyConfig"):
            return False
        m = re.match(r"^/2019-09-30/functions/([^/]+)/provisioned-concurrency/?$", path)
        if not m:
            return False
        name = fn_name_from(m.group(1))
        qual = urllib.parse.parse_qs(query).get("Qualifier", [None])[0]
        if op == "PutProvisionedConcurrencyConfig":  # the function must exist in moto
            hdrs = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "x-amz-date")}
            st, rh, b = moto_request("GET", f"/2015-03-31/functions/{urllib.parse.quote(name)}", headers=hdrs, timeout=10)
            if st == 404:
                self._send(404, {k: v for k, v in rh if k.lower() in ("content-type", "x-amzn-errortype")}, b)
                return True
        with _lock:
            cfgs = PROVISIONED.setdefault(name, [])
            found = [c for c in cfgs if qual and str(c.get("FunctionArn", "")).endswith(":" + qual)]
            if op == "ListProvisionedConcurrencyConfigs":
                self._json(200, {"ProvisionedConcurrencyConfigs": list(cfgs)})
            elif op == "GetProvisionedConcurrencyConfig":
                if not found:
                    self._json(404, {"Type": "User", "message": "No Provisioned Concurrency Config found for this function"},
                               {"x-amzn-ErrorType": "ProvisionedConcurrencyConfigNotFoundException"})
                else:
                    self._json(200, {k: v for k, v in found[0].items() if k != "FunctionArn"})
            elif op == "DeleteProvisionedConcurrencyConfig":
                for c in found:
                    cfgs.remove(c)
                self._send(204, {}, b"")
            else:  # Put
                n = int(json.loads(body or b"{}").get("ProvisionedConcurrentExecutions", 0))
                item = {"FunctionArn": f"arn:aws:lambda:{region}:{DEFAULT_ACCOUNT}:function:{name}:{qual}",
                        "RequestedProvisionedConcurrentExecutions": n, "AvailableProvisionedConcurrentExecutions": n,
                        "AllocatedProvisionedConcurrentExecutions": n, "Status": "READY",
                        "LastModified": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")}
                for c in found:
                    cfgs.remove(c)
                cfgs.append(item)
                self._json(202, {k: v for k, v in item.items() if k != "FunctionArn"})
        return True

    # ---- CloudWatch Logs
    def _filter_log_events(self, body):
        """moto matches every event for OR patterns (`?a ?b`); apply them to moto's page."""
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return self._passthrough(body)
        pattern = req.get("filterPattern") or ""
        terms = or_terms(pattern)
        if terms is not None:
            req.pop("filterPattern", None)
        with _lock:
            page = LOGS_PAGE[0]
        if page:
            req["limit"] = min(int(req.get("limit") or 10000), page)
        if terms is None and not page:
            return self._passthrough(body)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "content-length")}
        new_body = json.dumps(req).encode()
        try:
            status, rh, data = moto_request(self.command, self.path, new_body, headers)
        except Exception as e:
            return self._send(502, {"Content-Type": "text/plain"}, f"cwproxy: upstream error {e!r}".encode())
        out = {k: v for k, v in rh if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date")}
        if status == 200 and terms is not None:
            resp = json.loads(data or b"{}")
            resp["events"] = [e for e in resp.get("events", []) if any(t in e.get("message", "") for t in terms)]
            data = json.dumps(resp).encode()
        self._send(status, out, data)

    def _insights(self, op, body, region):
        req = json.loads(body or b"{}")
        with _lock:
            st = INSIGHTS.setdefault(region, {"answers": [], "queries": [], "running": {}})
            if op == "StartQuery":
                q = req.get("queryString", "")
                st["queries"].append(req)
                ans = next((a for a in st["answers"] if a.get("match", "") in q), None)
                qid = str(uuid.uuid4())
                st["running"][qid] = {"answer": ans or {"rows": []}, "polls": 0}
                self._json(200, {"queryId": qid})
                return True
            run = st["running"].get(req.get("queryId", ""))
            if run is None:
                self._json(400, {"__type": "ResourceNotFoundException", "message": "no such query"},
                           {"x-amzn-ErrorType": "ResourceNotFoundException"})
                return True
            ans = run["answer"]
            run["polls"] += 1
            if run["polls"] <= int(ans.get("running_polls", 0)):
                self._json(200, {"status": "Running", "results": []})
                return True
            rows = ans.get("rows", [])
            size = int(ans.get("page_size", 0)) or max(1, len(rows))
            start = int(req.get("nextToken") or 0)
            out = {"status": ans.get("status", "Complete"), "results": rows[start:start + size],
                   "statistics": {"recordsMatched": float(ans.get("records_matched", len(rows))),
                                  "recordsScanned": float(len(rows)), "bytesScanned": 0.0}}
            if start + size < len(rows):
                out["nextToken"] = str(start + size)
            self._json(200, out)
            return True

    # ---- pass-through
    def _passthrough(self, body):
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        try:
            status, rh, data = moto_request(self.command, self.path, body, headers)
        except Exception as e:
            return self._send(502, {"Content-Type": "text/plain"}, f"cwproxy: upstream error {e!r}".encode())
        out = {k: v for k, v in rh if k.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date")}
        head_len = None
        if self.command == "HEAD":
            head_len = next((v for k, v in rh if k.lower() == "content-length"), 0)
        self._send(status, out, data, head_len)

    # ---- control API
    def _control(self, path, query, body):
        cmd = self.command
        data = json.loads(body) if body and cmd in ("POST", "PUT") else {}
        p = path.rstrip("/")
        if p == "/__health":
            return self._json(200, {"ok": True})
        if p == "/__faults":
            with _lock:
                if cmd == "DELETE":
                    FAULTS.clear()
                elif cmd == "POST":
                    f = dict(data)
                    f.setdefault("op", "*")
                    f.setdefault("count", 1)
                    if not f.get("delay_ms") or "code" in f or "status" in f:
                        f.setdefault("code", "ThrottlingException")
                        f.setdefault("status", 400)
                        f.setdefault("message", "Rate exceeded")
                    FAULTS.append(f)
                return self._json(200, list(FAULTS))
        if p == "/__calls":
            with _lock:
                if cmd == "DELETE":
                    CALLS.clear()
                qs = urllib.parse.parse_qs(query)
                out = [dict(c) for c in CALLS
                       if all(c.get(k) == qs[k][0] for k in ("service", "op", "region") if k in qs)]
            return self._json(200, out)
        if p == "/__lambda/account-settings":
            with _lock:
                if cmd == "DELETE":
                    LAMBDA_SETTINGS.clear()
                elif cmd == "POST":
                    LAMBDA_SETTINGS.clear()
                    LAMBDA_SETTINGS.update({k: int(v) for k, v in data.items()
                                            if k in ("ConcurrentExecutions", "UnreservedConcurrentExecutions") and v is not None})
                return self._json(200, dict(LAMBDA_SETTINGS))
        if p == "/__lambda/provisioned":
            with _lock:
                if cmd == "DELETE":
                    PROVISIONED.clear()
                elif cmd == "POST":
                    PROVISIONED[fn_name_from(data["FunctionName"])] = list(data.get("Configs") or [])
                return self._json(200, PROVISIONED)
        if p == "/__stubs":
            with _lock:
                if cmd == "DELETE":
                    STUBS.clear()
                elif cmd == "POST":
                    STUBS.insert(0, data)
                return self._json(200, list(STUBS))
        if p == "/__logs/page-size":
            with _lock:
                if cmd == "POST":
                    LOGS_PAGE[0] = int(data.get("limit", 0))
                return self._json(200, {"limit": LOGS_PAGE[0]})
        if p == "/__logs/insights":
            qs = urllib.parse.parse_qs(query)
            with _lock:
                if cmd == "DELETE":
                    INSIGHTS.clear()
                    return self._json(200, {})
                if cmd == "POST":
                    st = INSIGHTS.setdefault(data["region"], {"answers": [], "queries": [], "running": {}})
                    st["answers"] = list(data.get("answers") or [])
                    return self._json(200, {"answers": len(st["answers"])})
                region = qs.get("region", [""])[0]
                st = INSIGHTS.get(region, {"queries": []})
                return self._json(200, {"queries": list(st["queries"])})
        if p == "/__rtt":
            if cmd == "POST":
                RTT_MS[0] = float(data.get("rtt_ms", 0))
            return self._json(200, {"rtt_ms": RTT_MS[0]})
        if p == "/__metrics":
            with _lock:
                out = [{"Region": r, "Namespace": s.ns, "MetricName": s.name, "Dimensions": s.dims, "Points": len(s.pts)}
                       for r, reg in STORE.items() for s in reg.values()]
            return self._json(200, out)
        if p == "/__reset":
            with _lock:
                STORE.clear(); FAULTS.clear(); CALLS.clear(); STUBS.clear()
                LAMBDA_SETTINGS.clear(); PROVISIONED.clear(); INSIGHTS.clear()
                LOGS_PAGE[0] = 0
            try:
                st, _, _ = moto_request("POST", "/moto-api/reset", b"", {}, timeout=30)
            except Exception as e:
                st = repr(e)
            return self._json(200, {"reset": True, "moto": st})
        return self._json(404, {"error": f"unknown control endpoint {path}"})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


def or_terms(pattern):
    """The terms of a CloudWatch Logs OR pattern (`?"a b" ?c`), or None for anything else."""
    pattern = pattern.strip()
    if not pattern.startswith("?"):
        return None
    terms = []
    for m in re.finditer(r'\?\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))', pattern):
        terms.append(m.group(1) if m.group(1) is not None else m.group(2))
    return terms or None


def take_fault(service, op, path):
    with _lock:
        for f in FAULTS:
            if f.get("count", 1) == 0:
                continue
            if f.get("service") and f["service"] != service:
                continue
            fo = f.get("op", "*")
            hit = (fo in ("*", op, f"{service}:{op}")
                   or (fo.startswith("/") and fo in path))
            if hit:
                if f["count"] > 0:
                    f["count"] -= 1
                return dict(f)
    return None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


if __name__ == "__main__":
    srv = Server(("127.0.0.1", ARGS.listen_port), H)
    print(f"cwproxy listening on 127.0.0.1:{ARGS.listen_port} -> {UPSTREAM} (rtt {RTT_MS[0]:g} ms)", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
