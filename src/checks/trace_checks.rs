//! The `trace` command's checks: catalogue entries (id, docs) for the cause of one request
//! and for the logging that makes it visible. The judging is done by [`crate::trace`] and its
//! signature catalogue (`checks/trace/*.toml`).

use super::CheckInfo;
use crate::declare_check;

declare_check! {
    /// ## What it checks
    /// One request, by the id its client saw (`x-amzn-RequestId`): its API Gateway
    /// execution-log lines and, through the Lambda request id in them, the function's log
    /// lines of that invocation. The cause comes from the signature catalogue (one TOML file
    /// per cause in `checks/trace/`, each proven against its own example lines):
    /// `malformed-proxy-response`, `integration-timeout`, `lambda-timeout`,
    /// `lambda-throttled`, `lambda-function-error`, `authorizer-denied`,
    /// `usage-plan-throttled`, `missing-api-key`, `invalid-lambda-permissions`, `ssl-engine`,
    /// `sqs-unknown-operation`, `sqs-access-denied`, `kms-access-denied`, or `ok`.
    /// `gwdoctor explain <cause-id>` prints one cause. A failed request (error status or an
    /// API Gateway failure line) that no definition matches is `unclassified-failure`, an
    /// error with the last gateway lines as evidence.
    ///
    /// ## Why it matters
    /// A 502 or 504 says little; the execution log and the Lambda log say exactly what
    /// failed, but they live in two log groups joined by an id only the first one holds.
    ///
    /// ## How to fix
    /// Each cause comes with its remedy; the timeline shows where the time went (gateway
    /// before the integration, integration latency, Lambda init, handler, response mapping).
    ///
    /// ## Data used
    /// CloudWatch Logs `API-Gateway-Execution-Logs_{api}/{stage}` and the function's log
    /// group (`logs:FilterLogEvents`, `logs:DescribeLogGroups` without `--api`); the stage
    /// settings (`apigateway:GET`); the function's log group (`lambda:GetFunctionConfiguration`).
    pub struct RequestFailureCause {
        id: "request-failure-cause",
        title: "Why the request failed",
        severity: Error,
        needs: [],
        iam: ["logs:FilterLogEvents", "logs:DescribeLogGroups", "apigateway:GET", "lambda:GetFunctionConfiguration"],
        commands: ["trace"],
    }
}

declare_check! {
    /// ## What it checks
    /// Whether the stage's execution logging can show a request: logging level OFF (nothing
    /// is logged), ERROR (only error lines), data tracing off (no headers or bodies, so the
    /// Lambda request id and the function's error body are missing), or no execution-log
    /// group at all. For HTTP APIs (no execution logs), whether access logging is on and
    /// what the stage's access-log format lacks.
    ///
    /// ## Why it matters
    /// Without these lines a failed request cannot be traced after the fact. A gap is a
    /// warning when it may have hidden what this trace needed (the id was not found, or the
    /// stage that logged it left its cause unnamed), and info when the request was found and
    /// explained anyway.
    ///
    /// ## How to fix
    /// Set the stage's `*/*` logging level to INFO with data tracing, and the account's
    /// CloudWatch role for API Gateway (gwdoctor prints the exact commands). Data tracing logs
    /// bodies: mind sensitive data.
    ///
    /// ## Data used
    /// The stage's method settings (`apigateway:GET`) and the log groups
    /// (`logs:FilterLogEvents` answers "does not exist").
    pub struct ApigwExecutionLogging {
        id: "apigw-execution-logging",
        title: "Execution logging can show the request",
        severity: Warning,
        needs: [],
        iam: ["apigateway:GET", "logs:FilterLogEvents"],
        commands: ["trace"],
    }
}

/// The catalogue entries.
pub fn catalog() -> Vec<CheckInfo> {
    vec![RequestFailureCause::info(), ApigwExecutionLogging::info()]
}
