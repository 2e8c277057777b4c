//! Reading Lambda logs for the log-reading commands (`cold-starts`, later `trace` and
//! `throttles`): a streaming, mergeable [`digest`] of events; `--log-file` readers ([`file`]);
//! the live strategies through the [`Source`](crate::source::Source): `FilterLogEvents`
//! pages and Logs Insights queries ([`fetch`], [`insights`]).

pub mod digest;
pub mod fetch;
pub mod file;
pub mod insights;
pub mod quantiles;

pub use digest::{FunctionDigest, LogDigest, LogMatcher};
