"""Throttling scenarios for `gwdoctor throttles`, used by seed.py (same CLI, same output).

Every scenario seeds one region: a REST API `shop-api` (GET /orders -> orders-fn, GET /cart ->
cart-fn, stage prod, detailed metrics) and other functions of the "account" (batch-fn,
report-fn, thumbs-fn, mailer-fn), 30 one-minute points ending at `now` with the incident at
k = 24..18 minutes before now. Lambda metrics are per function (Invocations, Duration,
Throttles, ConcurrentExecutions, and for provisioned concurrency
ProvisionedConcurrencyInvocations / ProvisionedConcurrencySpilloverInvocations) plus the
account-wide series with no dimension (ConcurrentExecutions, UnreservedConcurrentExecutions,
Throttles). API Gateway metrics: Count/4XXError/5XXError per stage, per method and per API.

The simulation: each function has a demand (requests/s x duration = concurrency). Reserved
functions are capped at their reservation (0: every request throttled); the others share the
unreserved pool (account limit - reservations) and are throttled in proportion when it is
full; a function with provisioned concurrency serves up to it, the rest spills over.
The account limit is --account-limit (default 1000, cwproxy's default): set the proxy to the
same value (POST /__lambda/account-settings) when you change it.

  throttle-account      batch-fn ramps to ~900 concurrent and fills the pool: orders-fn, cart-fn
                        and the others are throttled (account-concurrency, culprit batch-fn).
  throttle-reserved     orders-fn has a reservation of 60 and needs 90 at the peak; legacy-fn
                        has a reservation of 0 and is still called (reserved-concurrency).
  throttle-spillover    orders-fn has 100 provisioned on alias live, needs 150 at the peak; part
                        of the spill-over is throttled (provisioned-spillover).
  throttle-scaling      orders-fn throttled for two minutes at 40 concurrent, account at ~6%
                        (scaling-rate).
  throttle-stage        stage prod limited to 100 requests/s (burst 200); the peak asks 130:
                        4XX, no Lambda throttle (apigw-stage-limit).
  throttle-usage-plan   usage plan partners (20 requests/s per key, 50000/day) on prod; 4XX
                        rise at 80 requests/s (apigw-usage-plan).
  throttle-apigw-account  partner-api takes ~9,500 requests/s at the peak: the region reaches
                        API Gateway's 10,000 requests/s and shop-api gets 4XX (apigw-account-limit).
  throttle-quiet        the same account, nothing near a limit (none).
  throttle-many         --functions N (default 200) functions fleet-fn-NNN: a third active, every
                        40th with a reservation of 5 (none with --no-reservations),
                        fleet-fn-013 with 0 (still called); the
                        shop API; fleet-fn-137 (or the last) fills the pool at the peak
                        (account-concurrency). For the live test and the benchmark.
"""
import concurrent.futures
import math

SCENARIOS = ["throttle-account", "throttle-reserved", "throttle-spillover", "throttle-scaling",
             "throttle-stage", "throttle-usage-plan", "throttle-apigw-account", "throttle-quiet",
             "throttle-many"]

PEAK = range(24, 17, -1)


class Fn:
    def __init__(self, name, rps, ms, reserved=None, provisioned=0, alias="live"):
        self.name, self.rps, self.ms = name, rps, ms          # rps: k -> requests/s
        self.reserved, self.provisioned, self.alias = reserved, provisioned, alias
        # k -> share of the on-demand demand throttled whatever the pool has free (Lambda's
        # scaling rate: new environments come at a limited pace).
        self.lost = lambda k: 0.0


def simulate(fns, limit, k):
    """One minute: {name: (invocations, throttles, concurrency, spill, pc_inv)} and the
    account's (concurrency, unreserved concurrency, throttles)."""
    unreserved_pool = limit - sum(f.reserved for f in fns if f.reserved)
    demand = {f.name: f.rps(k) * f.ms / 1000.0 for f in fns}
    # On-demand demand of the unreserved functions (provisioned capacity is served first).
    on_demand = {f.name: max(0.0, demand[f.name] - f.provisioned) for f in fns if f.reserved is None}
    total = sum(on_demand.values())
    share = 1.0 if total <= unreserved_pool or total == 0 else unreserved_pool / total
    out = {}
    for f in fns:
        rps, d = f.rps(k), demand[f.name]
        if rps <= 0:
            out[f.name] = (0, 0, 0.0, None, None)
            continue
        if f.reserved is not None:
            served = min(d, f.reserved)
            pc_inv = spill = None
        else:
            pc = min(d, f.provisioned)
            od = on_demand[f.name] * share * (1.0 - f.lost(k))
            served = pc + od
            spill = od / (f.ms / 1000.0) * 60 if f.provisioned else None
            pc_inv = pc / (f.ms / 1000.0) * 60 if f.provisioned else None
        frac = served / d if d > 0 else 1.0
        inv = round(rps * 60 * frac)
        out[f.name] = (inv, round(rps * 60) - inv, served, spill, pc_inv)
    conc = sum(v[2] for v in out.values())
    unres = sum(out[f.name][2] - min(demand[f.name], f.provisioned) for f in fns if f.reserved is None)
    return out, (conc, unres, sum(v[1] for v in out.values()))


def emit(seed, m, t, name, inv, thr, conc, ms, spill, pc_inv, jitter=0.0):
    ns, dims = "AWS/Lambda", [("FunctionName", name)]
    if inv > 0:
        m.add(ns, "Invocations", dims, t, "Count", {"Value": float(inv)})
        m.add(ns, "Duration", dims, t, "Milliseconds",
              {"StatisticValues": {"SampleCount": float(inv), "Sum": float(inv) * ms,
                                   "Minimum": ms * 0.4, "Maximum": ms * 2.5}})
        m.add(ns, "ConcurrentExecutions", dims, t, "Count", {"Value": float(max(1, math.ceil(conc + jitter)))})
    if inv > 0 or thr > 0:
        m.add(ns, "Throttles", dims, t, "Count", {"Value": float(thr)})
    if spill is not None and inv > 0:
        m.add(ns, "ProvisionedConcurrencySpilloverInvocations", dims, t, "Count", {"Value": float(round(spill))})
        m.add(ns, "ProvisionedConcurrencyInvocations", dims, t, "Count", {"Value": float(round(pc_inv))})


def apigw_minute(seed, m, t, api_name, methods, stage="prod"):
    """methods: [(method, path, requests, 4xx, 5xx)] -> per-method, stage and API series."""
    ns = "AWS/ApiGateway"
    tot = [0, 0, 0]
    for meth, path, n, e4, e5 in methods:
        dims = [("ApiName", api_name), ("Method", meth), ("Resource", path), ("Stage", stage)]
        m.add(ns, "Count", dims, t, "Count", seed.count_datum(n))
        m.add(ns, "4XXError", dims, t, "Count", seed.error_datum(n, e4))
        m.add(ns, "5XXError", dims, t, "Count", seed.error_datum(n, e5))
        tot[0] += n; tot[1] += e4; tot[2] += e5
    for dims in ([("ApiName", api_name), ("Stage", stage)], [("ApiName", api_name)]):
        m.add(ns, "Count", dims, t, "Count", seed.count_datum(tot[0]))
        m.add(ns, "4XXError", dims, t, "Count", seed.error_datum(tot[0], tot[1]))
        m.add(ns, "5XXError", dims, t, "Count", seed.error_datum(tot[0], tot[2]))


def base_fns(sfx):
    return [
        # The API's busy function has its own busier stretch in the middle of the window.
        Fn(f"orders-fn{sfx}", lambda k: 460.0 if k in PEAK else 400.0, 300.0),
        Fn(f"cart-fn{sfx}", lambda k: 100.0, 200.0),
        Fn(f"batch-fn{sfx}", lambda k: 2.0, 3000.0),
        Fn(f"report-fn{sfx}", lambda k: 1.0, 800.0),
        Fn(f"thumbs-fn{sfx}", lambda k: 20.0, 500.0),
        Fn(f"mailer-fn{sfx}", lambda k: 5.0, 100.0),
    ]


def by_name(fns, prefix):
    return next(f for f in fns if f.name.startswith(prefix))


def create_functions(seed, aws, names):
    role = seed.ensure_role(aws)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        arns = list(pool.map(lambda n: seed.ensure_function(aws, n, role), names))
    return dict(zip(names, arns))


def run(seed, aws, args):
    s, sfx = args.scenario, args.sfx
    limit = args.account_limit
    rng_jitter = [0.0, -1.0, -2.0, 0.0, -1.0, -3.0, -2.0, 0.0, -1.0]
    fns = base_fns(sfx)
    # API traffic asked (requests/s, k -> rps); the Lambda demand is set per function above.
    api_rps = {"GET /orders": lambda k: 60.0, "GET /cart": lambda k: 20.0}
    e4_at = lambda k, n: 1 if k % 7 == 0 else 0          # noqa: E731  a 404 now and then
    throttled_api = None                                   # k -> (served fraction) at API Gateway
    extra_apis = {}                                        # name -> k -> requests/s (API-level Count)
    stage_patch, usage_plan = None, None

    if s in ("throttle-account", "throttle-many"):
        levels = {27: 50.0, 26: 130.0, 25: 230.0}     # the ramp (requests/s x 3 s)
        batch = by_name(fns, "batch-fn")
        batch.rps = lambda k: levels.get(k, 300.0 if k in PEAK else 2.0)   # 300 rps x 3 s = 900
    elif s == "throttle-reserved":
        o = by_name(fns, "orders-fn")
        o.rps, o.ms, o.reserved = (lambda k: 600.0 if k in PEAK else 300.0), 150.0, 60
        fns.append(Fn(f"legacy-fn{sfx}", lambda k: 2.0 if k in PEAK else 0.0, 200.0, reserved=0))
    elif s == "throttle-spillover":
        o = by_name(fns, "orders-fn")
        o.rps, o.ms, o.provisioned = (lambda k: 600.0 if k in PEAK else 300.0), 250.0, 100
        o.lost = lambda k: 0.2 if k in PEAK else 0.0   # a fifth of the spill-over is throttled
    elif s == "throttle-scaling":
        o = by_name(fns, "orders-fn")
        o.rps, o.ms = (lambda k: 220.0 if k in PEAK else 200.0), 200.0
        o.lost = lambda k: 0.1 if k in (20, 19) else 0.0
    elif s == "throttle-stage":
        stage_patch = [{"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"},
                       {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "200"}]
        api_rps = {"GET /orders": lambda k: 95.0 if k in PEAK else 50.0,    # 130 asked at the peak
                   "GET /cart": lambda k: 35.0 if k in PEAK else 20.0}
        throttled_api = lambda k: 100.0 / 130.0 if k in PEAK else 1.0       # noqa: E731
    elif s == "throttle-usage-plan":
        usage_plan = True
        throttled_api = lambda k: 0.85 if k in PEAK else 1.0                # noqa: E731
    elif s == "throttle-apigw-account":
        api_rps = {"GET /orders": lambda k: 450.0, "GET /cart": lambda k: 150.0}
        throttled_api = lambda k: 0.9 if k in PEAK else 1.0                 # noqa: E731
        extra_apis[f"partner-api{sfx}"] = lambda k: 9500.0 if k in PEAK else 3000.0
    if s == "throttle-many":
        n = max(10, args.functions)
        noisy = min(137, n - 1)
        fleet = []
        for i in range(n):
            name = f"fleet-fn-{i:03d}{sfx}"
            reserved = 0 if i == 13 else (5 if i % 40 == 0 and not args.no_reservations else None)
            if i == noisy:
                fleet.append(Fn(name, lambda k: 300.0 if k in PEAK else levels.get(k, 1.0), 3000.0))
            elif i == 13:
                fleet.append(Fn(name, lambda k: 0.5 if k in PEAK else 0.0, 100.0, reserved=0))
            elif i % 3 == 0:
                fleet.append(Fn(name, (lambda r: lambda k: r)(1.0 + i % 7), 200.0 + 10 * (i % 11), reserved=reserved))
            else:
                fleet.append(Fn(name, lambda k: 0.0, 100.0, reserved=reserved))
        # The shop API's functions stay; batch-fn's role is played by the noisy fleet function.
        fns = [f for f in fns if not f.name.startswith("batch-fn")] + fleet

    # --- resources
    arns = create_functions(seed, aws, [f.name for f in fns])
    for f in fns:
        if f.reserved is not None:
            aws.lam.put_function_concurrency(FunctionName=f.name, ReservedConcurrentExecutions=f.reserved)
        if f.provisioned:
            aws.lam.put_provisioned_concurrency_config(FunctionName=f.name, Qualifier=f.alias,
                                                       ProvisionedConcurrentExecutions=f.provisioned)
    api_name = args.api_name or f"shop-api{sfx}"
    orders, cart = by_name(fns, "orders-fn"), by_name(fns, "cart-fn")
    routes = [("GET", "/orders", arns[orders.name], "AWS_PROXY"), ("GET", "/cart", arns[cart.name], "AWS_PROXY")]
    api_id, resources, _ = seed.build_rest_api(aws, api_name, routes)
    for f in (orders, cart):
        seed.allow_apigw(aws, f.name, api_id)
    if stage_patch:
        aws.apigw.update_stage(restApiId=api_id, stageName=seed.STAGE, patchOperations=stage_patch)
    plans = []
    if usage_plan:
        up = aws.apigw.create_usage_plan(
            name=f"partners{sfx}", description="per-partner limits",
            apiStages=[{"apiId": api_id, "stage": seed.STAGE}],
            throttle={"rateLimit": 20.0, "burstLimit": 40}, quota={"limit": 50000, "period": "DAY"})
        plans.append(up["id"])
    for name in extra_apis:
        seed.build_rest_api(aws, name, [("GET", "/partners", arns[orders.name], "AWS_PROXY")])

    # --- metrics
    m = seed.Metrics()
    minutes = 30
    for k in range(minutes, 0, -1):
        t = args.now - 60 * k
        per_fn, (conc, unres, thr) = simulate(fns, limit, k)
        j = rng_jitter[k % len(rng_jitter)]
        for f in fns:
            inv, th, c, spill, pc_inv = per_fn[f.name]
            emit(seed, m, t, f.name, inv, th, c, f.ms, spill, pc_inv)
        ns = "AWS/Lambda"
        m.add(ns, "ConcurrentExecutions", [], t, "Count", {"Value": float(max(0, math.ceil(min(conc, limit) + j)))})
        m.add(ns, "UnreservedConcurrentExecutions", [], t, "Count", {"Value": float(max(0, math.ceil(unres + j)))})
        m.add(ns, "Throttles", [], t, "Count", {"Value": float(thr)})
        # API Gateway: requests per route; Lambda throttles behind a route come back as 5XX,
        # API Gateway's own throttling as 4XX (429).
        methods = []
        for key, rps in api_rps.items():
            meth, path = key.split(" ")
            n = round(rps(k) * 60)
            fn = orders if path == "/orders" else cart
            inv, th = per_fn[fn.name][0], per_fn[fn.name][1]
            lam_frac = th / (inv + th) if inv + th else 0.0
            served = throttled_api(k) if throttled_api else 1.0
            e4 = round(n * (1 - served)) + e4_at(k, n)
            e5 = round((n - e4) * lam_frac)
            methods.append((meth, path, n, e4, e5))
        apigw_minute(seed, m, t, api_name, methods)
        for name, rps in extra_apis.items():
            apigw_minute(seed, m, t, name, [("GET", "/partners", round(rps(k) * 60), 0, 0)])
    m.send(aws)

    out = {"scenario": s, "region": args.region, "api_type": "REST", "api_id": api_id,
           "api_name": api_name, "stage": seed.STAGE, "functions": [f.name for f in fns],
           "function_arns": {}, "resources": resources, "authorizers": [],
           "account_limit": limit,
           "reserved": {f.name: f.reserved for f in fns if f.reserved is not None},
           "reserved_total": sum(f.reserved for f in fns if f.reserved),
           "provisioned": {f.name: f.provisioned for f in fns if f.provisioned},
           "usage_plans": plans, "other_apis": list(extra_apis)}
    return seed.finish(out, args, m, minutes)
