//! gwdoctor: find why an Amazon API Gateway + AWS Lambda API is slow or failing.
//!
//! Map of the crate (dependencies point down this list, never up):
//! - [`cli`]: flags and dispatch; [`commands`]: one module per subcommand, each gathering
//!   data through a [`source::Source`] and building a [`finding::Report`].
//! - [`source`]: the data seam. `aws` (the only code that knows SDK types), `replay`
//!   (incident files), `record` (`--record`).
//! - [`checks`]: pure functions from observations to findings; computed checks in Rust, one
//!   per file, plus declarative TOML checks from the repository's `checks/` folder.
//! - [`engine`]: runs checks, skipping those whose data is unavailable.
//! - [`finding`], [`exit`]: the report contract and exit codes; [`output`]: text, JSON and
//!   markdown renderers of the same report.
//! - [`model`], [`metrics`], [`window`]: domain types, CloudWatch naming rules, time windows.
//! - [`logs`]: reading Lambda logs (files, FilterLogEvents, Logs Insights) into a streaming
//!   digest; [`progress`]: the stderr spinner.
//! - [`parse`]: Lambda and API Gateway execution-log line parsers.
//! - [`tls`]: backend certificate chains judged against API Gateway's rules (`ssl`).
//! - [`sanitize`]: untrusted text made safe to print.
//! - [`tui`]: `gwdoctor dash`, the terminal dashboard over the same commands and reports.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod checks;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod exit;
pub mod finding;
pub mod logs;
pub mod metrics;
pub mod model;
pub mod output;
pub mod parse;
pub mod progress;
pub mod sanitize;
pub mod source;
pub mod tls;
pub mod trace;
pub mod tui;
pub mod window;
