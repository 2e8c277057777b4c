"""`gwdoctor trace` scenarios for seed.py: a REST API whose stage logs at INFO with data
tracing, its execution-log group, and the Lambda log group of the function behind it, holding
one request per cause of the signature catalogue (plus a healthy one), in the line formats of
the reference (API Gateway execution log §3.3, Lambda text platform lines §1).

    trace-requests   one request per cause; prints {"requests": {cause: request_id}, ...}
    trace-logging-off  the same API and function with the stage's execution logging OFF and
                     no execution-log group (what a fresh stage looks like)
    trace-busy       --hours H (default 24) of busy traffic in the same layout plus a few
                     failures, for the benchmark (prints the ids to trace)
    trace-readiness  one API, four stages with different logging: prod (INFO + data tracing:
                     a healthy request and a failure no signature names), dev (OFF, no group),
                     errors (ERROR: only a failure's error lines), nodata (INFO without data
                     tracing: a healthy request without its header/body lines)
    trace-http       an HTTP API whose stages log access records in different formats and
                     groups; the record of a Lambda timeout sits in stage `live`
"""

import hashlib
import uuid

SCENARIOS = ["trace-requests", "trace-busy", "trace-logging-off", "trace-http", "trace-readiness"]


def rid(name, salt=""):
    """A deterministic request id (UUID form) per name."""
    return str(uuid.UUID(hashlib.md5(f"{name}{salt}".encode()).hexdigest()))


def _lines(api_id, region, account, fn, cause, req, lam, t0):
    """(execution-log lines, lambda lines) for one request, as [(ms offset, text)]."""
    fn_arn = f"arn:aws:lambda:{region}:{account}:function:{fn}"
    h = hashlib.md5(req.encode()).hexdigest()
    xray = f"1-{h[:8]}-{h[8:32]}"
    uri = f"https://lambda.{region}.amazonaws.com/2015-03-31/functions/{fn_arn}/invocations"
    ex, la = [], []

    def x(ms, text):
        ex.append((ms, f"({req}) {text}"))

    x(0, f"Extended Request Id: {hashlib.md5(req.encode()).hexdigest()[:14]}=")
    if cause == "authorizer-denied":
        x(1, f"Starting authorizer: 4hugyv for request: {req}")
        x(2, "Incoming identity: ****************************************************************I1BUdE")
        x(186, f"Unauthorized request: {req}")
        x(187, "Method completed with status: 401")
        return ex, la
    x(1, f"Verifying Usage Plan for request: {req}. API Key: **********************************Yx3F9a API Stage: {api_id}/prod")
    if cause == "usage-plan-throttled":
        x(2, f"Key throttle limit exceeded for RestApi {api_id}, Stage prod, Resource k0w8mc, HttpMethod POST. Limit: 1.00 Burst: 1")
        x(2, "Method completed with status: 429")
        return ex, la
    if cause == "missing-api-key":
        x(2, f"API Key  not authorized because method 'POST /orders' requires API Key and API Key is not associated with a Usage Plan for API Stage {api_id}/prod: API Key Usage Plan not found")
        x(2, "Method completed with status: 403")
        return ex, la
    x(2, f"Usage Plan check succeeded for API Key **********************************Yx3F9a and API Stage {api_id}/prod")
    x(3, f"Starting execution for request: {req}")
    x(3, "HTTP Method: POST, Resource Path: /orders")
    x(3, "Method request path: {}")
    x(3, "Method request query string: {}")
    x(4, "Method request headers: {Accept=application/json, Content-Type=application/json, Host=" + api_id + ".execute-api." + region + ".amazonaws.com, User-Agent=curl/8.5.0, X-Amzn-Trace-Id=Root=" + xray + ", x-api-key=**********************************Yx3F9a}")
    x(4, 'Method request body before transformations: {"sku":"A-1042","qty":2}')
    if cause in ("ssl-engine", "sqs-unknown-operation", "sqs-access-denied", "kms-access-denied"):
        target = {"ssl-engine": "https://backend.example.com/orders"}.get(cause, f"https://sqs.{region}.amazonaws.com/{account}/orders-queue")
        x(5, f"Endpoint request URI: {target}")
        x(6, f"Sending request to {target}")
        if cause == "ssl-engine":
            x(61, "Execution failed due to configuration error: General SSLEngine problem")
            x(61, "Method completed with status: 500")
        elif cause == "sqs-unknown-operation":
            x(38, "Received response. Integration latency: 32 ms")
            x(38, "Endpoint response body before transformations: <UnknownOperationException/>")
            x(39, "Method completed with status: 500")
        elif cause == "sqs-access-denied":
            x(41, "Received response. Integration latency: 35 ms")
            x(41, f'Endpoint response body before transformations: <?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Access to the resource https://sqs.{region}.amazonaws.com/{account}/orders-queue is denied.</Message></Error></ErrorResponse>')
            x(42, "Method completed with status: 500")
        else:
            x(44, "Received response. Integration latency: 38 ms")
            x(44, f'Endpoint response body before transformations: <?xml version="1.0"?><ErrorResponse><Error><Type>Sender</Type><Code>KMS.AccessDeniedException</Code><Message>User: arn:aws:sts::{account}:assumed-role/apigw-sqs/BackplaneAssumeRoleSession is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:{region}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab</Message></Error></ErrorResponse>')
            x(45, "Method completed with status: 500")
        return ex, la
    x(5, f"Endpoint request URI: {uri}")
    x(5, "Endpoint request headers: {x-amzn-lambda-integration-tag=" + req + ", Authorization=*****************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************************4f8c02, X-Amz-Date=20261121T093101Z, x-amzn-apigateway-api-id=" + api_id + ", X-Amz-Source-Arn=arn:aws:execute-api:" + region + ":" + account + ":" + api_id + "/prod/POST/orders, Accept=application/json, User-Agent=AmazonAPIGateway_" + api_id + ", X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD5x7mZ3dTq0pL2 [TRUNCATED]")
    x(5, 'Endpoint request body after transformations: {"resource":"/orders","path":"/orders","httpMethod":"POST","headers":{"Accept":"application/json","Content-Type":"application/json","Host":"' + api_id + '.execute-api.' + region + '.amazonaws.com"},"multiValueHeaders":{"Accept":["application/json"]},"queryStringParameters":null,"multiValueQueryStringParameters":null,"pathParameters":null,"stageVariables":null,"requestContext":{"resourceId":"k0w8mc","resourcePath":"/orders","httpMethod":"POST","extendedRequestId":"Vwc2MGFUrPEFV_g=","requestTime":"21/Nov/2026:09:31:01 +0000","path":"/prod/orders","accountId":"' + account + '","protocol":"HTTP/1.1","stage":"prod","domainPrefix":"' + api_id + '","requestTimeEpoch":1795253461000,"requestId":"' + req + '","identity":{"sourceIp":"203.0.113.7","userAgent":"curl/8.5.0"},"domainName":"' + api_id + '.execute-api.' + region + '.amazonaws.com","apiId":"' + api_id + '"},"body":"{\\"sku\\":\\"A-1042\\",\\"qty\\":2}","isBase64Encoded":false} [TRUNCATED]')
    x(6, f"Sending request to {uri}")
    if cause == "invalid-lambda-permissions":
        x(24, "Execution failed due to configuration error: Invalid permissions on Lambda function")
        x(24, "Method completed with status: 500")
        return ex, la
    if cause == "lambda-throttled":
        x(31, f"Lambda invocation failed with status: 429. Lambda request id: {lam}")
        x(31, "Execution failed due to configuration error: Rate Exceeded.")
        x(32, "Method completed with status: 500")
        return ex, la

    def resp_headers(ms, extra=""):
        x(ms, "Endpoint response headers: {Date=Sat, 21 Nov 2026 09:31:02 GMT, Content-Type=application/json, Content-Length=84, Connection=keep-alive, x-amzn-RequestId=" + lam + extra + ", x-amzn-Remapped-Content-Length=0, X-Amz-Executed-Version=$LATEST, X-Amzn-Trace-Id=root=" + xray + ";sampled=1}")

    def lam_invocation(start, duration, init=None, memory=(256, 91), extra_lines=(), tail=()):
        # Lambda writes INIT_START before START on a cold start; REPORT after END.
        if init is not None:
            la.append((start - int(init) - 2, "INIT_START Runtime Version: python:3.12.v41\tRuntime Version ARN: arn:aws:lambda:" + region + "::runtime:7b620fc2e66107a1046b140b9d320295811af3ad5d4c6a011fad1fa65127e9e6"))
        la.append((start, f"START RequestId: {lam} Version: $LATEST"))
        for ms, text in extra_lines:
            la.append((start + ms, text))
        end = start + int(duration)
        la.append((end, f"END RequestId: {lam}"))
        rep = f"REPORT RequestId: {lam}\tDuration: {duration:.2f} ms\tBilled Duration: {int(duration + (init or 0)) + 1} ms\tMemory Size: {memory[0]} MB\tMax Memory Used: {memory[1]} MB\t"
        if init is not None:
            rep += f"Init Duration: {init:.2f} ms\t"
        rep += f"\nXRAY TraceId: {xray}\tSegmentId: {h[:16]}\tSampled: true\t"
        la.append((end + 1, rep))
        for ms, text in tail:
            la.append((end + ms, text))

    if cause == "ok":
        lam_invocation(9, 182.41, extra_lines=[(3, f"2026-11-21T09:31:01.012Z\t{lam}\tINFO\torder accepted sku=A-1042")])
        x(200, "Received response. Integration latency: 194 ms")
        x(200, 'Endpoint response body before transformations: {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "body": "{\\"id\\": \\"o-77\\"}"}')
        resp_headers(200)
        x(201, 'Method response body after transformations: {"id": "o-77"}')
        x(201, "Method response headers: {Content-Type=application/json, X-Amzn-Trace-Id=Root=" + xray + ";Sampled=1}")
        x(201, "Successfully completed execution")
        x(201, "Method completed with status: 201")
    elif cause == "malformed-proxy-response":
        # The function died out of memory: the runtime's error body is not a proxy response.
        lam_invocation(9, 4237.92, memory=(128, 128), extra_lines=[(4, f"2026-11-21T09:31:01.013Z\t{lam}\tINFO\tloading catalogue into memory")],
                       tail=[(1, f"RequestId: {lam} Error: Runtime exited with error: signal: killed\nRuntime.ExitError")])
        x(4260, "Received response. Integration latency: 4254 ms")
        x(4260, 'Endpoint response body before transformations: {"errorType":"Runtime.ExitError","errorMessage":"RequestId: ' + lam + ' Error: Runtime exited with error: signal: killed"}')
        resp_headers(4260, ", X-Amz-Function-Error=Unhandled")
        x(4261, "Execution failed due to configuration error: Malformed Lambda proxy response")
        x(4261, "Method completed with status: 502")
    elif cause == "integration-timeout":
        lam_invocation(12, 29950.33, init=2412.77, memory=(512, 148), extra_lines=[(5, f"2026-11-21T09:31:03.500Z\t{lam}\tINFO\tcalling inventory service")])
        x(29006, "Execution failed due to a timeout error")
        x(29006, "Method completed with status: 504")
        x(29006, f"X-ray Tracing ID : Root={xray}")
    elif cause == "lambda-timeout":
        lam_invocation(10, 10010.65, memory=(256, 97), extra_lines=[(6, f"2026-11-21T09:31:01.020Z\t{lam}\tINFO\tcalling inventory service")],
                       tail=[(2, f"2026-11-21T09:31:11.456Z {lam} Task timed out after 10.00 seconds")])
        x(10030, "Received response. Integration latency: 10024 ms")
        x(10030, 'Endpoint response body before transformations: {"errorMessage":"2026-11-21T09:31:11.456Z ' + lam + ' Task timed out after 10.00 seconds"}')
        resp_headers(10030, ", X-Amz-Function-Error=Unhandled")
        x(10031, f"Lambda execution failed with status 200 due to customer function error: 2026-11-21T09:31:11.456Z {lam} Task timed out after 10.00 seconds. Lambda request id: {lam}")
        x(10031, "Method completed with status: 502")
    elif cause == "unclassified":
        # The function answers with a well-formed proxy response carrying its own 503: a
        # failure, but no API Gateway failure line and nothing the catalogue names.
        lam_invocation(9, 61.30, extra_lines=[(3, f"2026-11-21T09:31:01.012Z\t{lam}\tWARN\tinventory service unavailable, answering 503")])
        x(75, "Received response. Integration latency: 69 ms")
        x(75, 'Endpoint response body before transformations: {"statusCode": 503, "headers": {"Content-Type": "application/json", "Retry-After": "5"}, "body": "{\\"message\\": \\"inventory unavailable\\"}"}')
        resp_headers(75)
        x(76, 'Method response body after transformations: {"message": "inventory unavailable"}')
        x(76, "Method response headers: {Content-Type=application/json, Retry-After=5, X-Amzn-Trace-Id=Root=" + xray + ";Sampled=1}")
        x(76, "Successfully completed execution")
        x(76, "Method completed with status: 503")
    elif cause == "lambda-function-error":
        lam_invocation(10, 41.07, extra_lines=[(3, f"2026-11-21T09:31:01.013Z\t{lam}\tERROR\tInvoke Error \t{{\"errorType\":\"KeyError\",\"errorMessage\":\"'sku'\"}}")])
        x(60, "Received response. Integration latency: 54 ms")
        x(60, 'Endpoint response body before transformations: {"errorMessage": "\'sku\'", "errorType": "KeyError", "requestId": "' + lam + '"}')
        resp_headers(60, ", X-Amz-Function-Error=Unhandled")
        x(61, f"Lambda execution failed with status 200 due to customer function error: 'sku'. Lambda request id: {lam}")
        x(61, "Method completed with status: 502")
    return ex, la


CAUSES = ["ok", "malformed-proxy-response", "integration-timeout", "lambda-timeout", "lambda-throttled",
          "lambda-function-error", "authorizer-denied", "usage-plan-throttled", "missing-api-key",
          "invalid-lambda-permissions", "ssl-engine", "sqs-unknown-operation", "sqs-access-denied",
          "kms-access-denied"]


ACCESS_FORMAT = ('{"requestId":"$context.requestId","routeKey":"$context.routeKey","status":"$context.status",'
                 '"integrationLatency":"$context.integrationLatency","responseLatency":"$context.responseLatency",'
                 '"integrationRequestId":"$context.integration.requestId","integrationError":"$context.integrationErrorMessage"}')


# Stage `live` logs without the integration error message: gwdoctor must say so, from this
# stage's format (stage `beta`, listed first, has the full one).
LIVE_FORMAT = ('{"requestId":"$context.requestId","routeKey":"$context.routeKey","status":"$context.status",'
               '"integrationLatency":"$context.integrationLatency","responseLatency":"$context.responseLatency",'
               '"integrationRequestId":"$context.integration.requestId"}')


def run_http(seed, aws, args):
    """An HTTP API with access logging on two stages: `beta` (full format, its own group;
    gwdoctor lists stages by name, so it comes before `live`) and
    `live` (a format without $context.integrationErrorMessage, group .../access) holding one
    request that timed out in its function (status 500 from API Gateway's point of view),
    plus the function's lines."""
    fn = f"trace-http-fn{args.sfx}"
    role = seed.ensure_role(aws)
    fn_arn = seed.ensure_function(aws, fn, role)
    api_id, _ = seed.build_http_api(aws, args.api_name or f"trace-http-api{args.sfx}", [("GET /items", fn_arn)])
    seed.stub_v2_authorizers(args.endpoint, api_id)
    group = f"/aws/vendedlogs/apigw/{api_id}/access"
    beta_group = f"/aws/vendedlogs/apigw/{api_id}/beta"
    arn = lambda g: f"arn:aws:logs:{args.region}:123456789012:log-group:{g}"  # noqa: E731
    # moto has no apigatewayv2 UpdateStage: more stages are created with access logging on.
    aws.apigw2.create_stage(ApiId=api_id, StageName="beta", AutoDeploy=True,
                            AccessLogSettings={"DestinationArn": arn(beta_group), "Format": ACCESS_FORMAT})
    aws.apigw2.create_stage(ApiId=api_id, StageName="live", AutoDeploy=True,
                            AccessLogSettings={"DestinationArn": arn(group), "Format": LIVE_FORMAT})
    req, lam = rid("http-timeout", "apigw"), rid("http-timeout", "lambda")
    t0 = args.now * 1000 - 20 * 60_000
    logs = seed.Logs()
    # Another request on beta, so its group exists and holds records (not this one).
    logs.add(beta_group, "access", t0 - 60_000,
             '{"requestId":"' + rid("http-beta", "apigw") + '","routeKey":"GET /items","status":"200","integrationLatency":"41",'
             '"responseLatency":"45","integrationRequestId":"' + rid("http-beta", "lambda") + '","integrationError":"-"}')
    logs.add(group, "access", t0 + 3012,
             '{"requestId":"' + req + '","routeKey":"GET /items","status":"500","integrationLatency":"3004",'
             '"responseLatency":"3011","integrationRequestId":"' + lam + '"}')
    stream = f"2026/11/21/[$LATEST]{hashlib.md5(fn.encode()).hexdigest()}"
    fg = f"/aws/lambda/{fn}"
    logs.add(fg, stream, t0 + 5, f"START RequestId: {lam} Version: $LATEST")
    logs.add(fg, stream, t0 + 3005, f"END RequestId: {lam}")
    logs.add(fg, stream, t0 + 3006, f"REPORT RequestId: {lam}\tDuration: 3003.12 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\t")
    logs.add(fg, stream, t0 + 3007, f"2026-11-21T09:40:03.007Z {lam} Task timed out after 3.00 seconds")
    logs.send(aws)
    return {"scenario": args.scenario, "region": args.region, "api_id": api_id, "stage": "live",
            "function": fn, "requests": {"timeout": req}, "lambda_requests": {"timeout": lam},
            "now": args.now, "metric_datums": 0}


# Lines that only data tracing writes (AGDG: "full request/response data"): headers and bodies.
DATA_TRACE_LINES = ("request headers:", "request body", "response headers:", "response body")


def run_readiness(seed, aws, args):
    """One REST API, four stages of one deployment with different logging settings, and the
    lines each setting lets through (see the module docstring)."""
    sfx = args.sfx
    fn = f"trace-ready-fn{sfx}"
    role = seed.ensure_role(aws)
    fn_arn = seed.ensure_function(aws, fn, role)
    account = fn_arn.split(":")[4]
    api_name = args.api_name or f"trace-ready-api{sfx}"
    api_id, _, _ = seed.build_rest_api(aws, api_name, [("POST", "/orders", fn_arn, "AWS_PROXY")])
    seed.allow_apigw(aws, fn, api_id)
    gw = aws.apigw
    dep = gw.get_deployments(restApiId=api_id)["items"][0]["id"]
    settings = {
        seed.STAGE: [("/*/*/logging/loglevel", "INFO"), ("/*/*/logging/dataTrace", "true")],
        "dev": [("/*/*/logging/loglevel", "OFF")],
        "errors": [("/*/*/logging/loglevel", "ERROR")],
        "nodata": [("/*/*/logging/loglevel", "INFO"), ("/*/*/logging/dataTrace", "false")],
    }
    for stage, ops in settings.items():
        if stage != seed.STAGE:
            gw.create_stage(restApiId=api_id, stageName=stage, deploymentId=dep)
        gw.update_stage(restApiId=api_id, stageName=stage, patchOperations=[
            {"op": "replace", "path": path, "value": value} for path, value in ops])
    logs = seed.Logs()
    now_ms = args.now * 1000
    fn_group = f"/aws/lambda/{fn}"
    fn_stream = f"2026/11/21/[$LATEST]{hashlib.md5(fn.encode()).hexdigest()}"
    requests, lambdas = {}, {}

    def put(name, stage, cause, t0, keep=lambda text: True, extra=(), invoked=True):
        """`keep` filters the cause's execution-log lines (what the stage's level lets
        through); `extra` lines are added as they are; `invoked=False` writes no Lambda side."""
        req, lam = rid(name, "apigw"), rid(name, "lambda")
        ex, la = _lines(api_id, args.region, account, fn, cause, req, lam, t0)
        group = f"API-Gateway-Execution-Logs_{api_id}/{stage}"
        stream = hashlib.md5(f"{api_id}{stage}".encode()).hexdigest()
        for ms, text in [*((ms, t) for ms, t in ex if keep(t)), *((ms, f"({req}) {t}") for ms, t in extra)]:
            # _lines writes the usage-plan lines for stage prod.
            logs.add(group, stream, t0 + ms, text.replace(f"{api_id}/{seed.STAGE}", f"{api_id}/{stage}"))
        for ms, text in la if invoked else ():
            logs.add(fn_group, fn_stream, t0 + ms, text)
        requests[name] = req
        if invoked:
            lambdas[name] = lam

    put("healthy", seed.STAGE, "ok", now_ms - 30 * 60_000)
    put("unclassified", seed.STAGE, "unclassified", now_ms - 25 * 60_000)
    # ERROR level keeps a failed request's error lines only (assumed here: the failure line and
    # the final status). "Unable to transform request" is a real line no signature names.
    put("error-level", "errors", "ok", now_ms - 20 * 60_000, keep=lambda text: False, invoked=False,
        extra=[(5, "Execution failed due to configuration error: Unable to transform request"),
               (5, "Method completed with status: 500")])
    # Without data tracing the Lambda request id is only in the closing
    # `AWS Integration Endpoint RequestId` line.
    put("no-data-trace", "nodata", "ok", now_ms - 15 * 60_000,
        keep=lambda text: not any(k in text for k in DATA_TRACE_LINES),
        extra=[(201, f"AWS Integration Endpoint RequestId : {rid('no-data-trace', 'lambda')}")])
    logs.send(aws)
    return {"scenario": args.scenario, "region": args.region, "api_id": api_id, "api_name": api_name,
            "stage": seed.STAGE, "function": fn, "requests": requests, "lambda_requests": lambdas,
            "now": args.now, "metric_datums": 0, "log_events": logs.count()}


def run(seed, aws, args):
    if args.scenario == "trace-http":
        return run_http(seed, aws, args)
    if args.scenario == "trace-readiness":
        return run_readiness(seed, aws, args)
    sfx = args.sfx
    fn = f"trace-fn{sfx}"
    role = seed.ensure_role(aws)
    fn_arn = seed.ensure_function(aws, fn, role)
    account = fn_arn.split(":")[4]
    api_name = args.api_name or f"trace-api{sfx}"
    api_id, _, _ = seed.build_rest_api(aws, api_name, [("POST", "/orders", fn_arn, "AWS_PROXY")])
    if args.scenario == "trace-logging-off":
        aws.apigw.update_stage(restApiId=api_id, stageName=seed.STAGE, patchOperations=[
            {"op": "replace", "path": "/*/*/logging/loglevel", "value": "OFF"}])
        return {"scenario": args.scenario, "region": args.region, "api_id": api_id, "api_name": api_name,
                "stage": seed.STAGE, "function": fn, "requests": {"unlogged": rid("unlogged", "apigw")},
                "now": args.now, "metric_datums": 0}
    aws.apigw.update_stage(restApiId=api_id, stageName=seed.STAGE, patchOperations=[
        {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"}])
    seed.allow_apigw(aws, fn, api_id)
    exec_group = f"API-Gateway-Execution-Logs_{api_id}/{seed.STAGE}"
    fn_group = f"/aws/lambda/{fn}"
    logs = seed.Logs()
    now_ms = args.now * 1000
    out = {"scenario": args.scenario, "region": args.region, "api_id": api_id, "api_name": api_name,
           "stage": seed.STAGE, "function": fn, "exec_group": exec_group, "function_group": fn_group,
           "now": args.now}
    exec_streams = [hashlib.md5(f"{api_id}{i}".encode()).hexdigest() for i in range(4)]
    fn_stream = f"2026/11/21/[$LATEST]{hashlib.md5(fn.encode()).hexdigest()}"

    def put(cause, req, lam, t0):
        ex, la = _lines(api_id, args.region, account, fn, cause, req, lam, t0)
        stream = exec_streams[int(req[:2], 16) % len(exec_streams)]
        for ms, text in ex:
            logs.add(exec_group, stream, t0 + ms, text)
        for ms, text in la:
            logs.add(fn_group, fn_stream, t0 + ms, text)

    if args.scenario == "trace-requests":
        requests = {}
        for i, cause in enumerate(CAUSES):
            req, lam = rid(cause, "apigw"), rid(cause, "lambda")
            # Spread over the last 40 minutes, older first, 2.5 minutes apart.
            put(cause, req, lam, now_ms - (40 - i * 2.5) * 60_000)
            requests[cause] = req
        out["requests"] = requests
        out["lambda_requests"] = {c: rid(c, "lambda") for c in CAUSES}
    else:
        hours = getattr(args, "hours", 24) or 24
        per_min = getattr(args, "per_minute", 10) or 10
        picks = {}
        for m in range(hours * 60):
            t_min = now_ms - (hours * 60 - m) * 60_000
            for j in range(per_min):
                cause = "ok"
                if j == 0 and m % 97 == 5:
                    cause = ["malformed-proxy-response", "integration-timeout", "lambda-throttled"][m % 3]
                req, lam = rid(f"busy-{m}-{j}", "a"), rid(f"busy-{m}-{j}", "l")
                put(cause, req, lam, t_min + j * 1400)
                if cause != "ok":
                    picks.setdefault(cause, req)
        out["requests"] = picks
        out["recent"] = rid(f"busy-{hours * 60 - 3}-7", "a")
        out["old"] = rid("busy-30-7", "a")
    logs.send(aws)
    out["log_events"] = logs.count()
    out["metric_datums"] = 0
    return out
