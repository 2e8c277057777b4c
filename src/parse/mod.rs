//! Pure, panic-free parsers for log text gwdoctor reads: Lambda platform lines (text and
//! JSON formats) and API Gateway REST execution-log lines. Truncated and malformed lines are
//! expected input: they parse partially or as `Unknown`, never panic.

pub mod exec_log;
pub mod lambda;
