//! gwdoctor's integration tests, in one binary (each extra test binary would link the whole
//! AWS SDK again). One module per concern:

// Helpers: the gwdoctor command, fixture paths, the emulator endpoint.
mod util;
// Exit codes, flags and error messages of the binary, against replay fixtures.
mod cli;
// Every fixtures/<check-id>/<scenario>.json through the real text renderer (insta snapshots).
mod fixtures;
// The JSON output contract runbooks depend on.
mod contract;
// Registry consistency: ids, docs, declarative files, fixtures, README.
mod registry;
// The live path: the real AWS SDK against moto_server + cwproxy on 127.0.0.1.
mod live;
// `gwdoctor ssl` against TLS servers on 127.0.0.1.
mod ssl;
// `gwdoctor cold-starts`: replay fixtures, log files, and the live path against the emulator.
mod cold_starts;
// `gwdoctor throttles`: replay contract, and the live path with many functions.
mod throttles;
// `gwdoctor trace` against the emulator.
mod trace;
// `gwdoctor dash` drawn into ratatui's TestBackend: snapshots of each screen, keys, sanitizing.
mod dash;
// `gwdoctor dash` in a real terminal under tmux: keys, screen, and the terminal given back.
mod dash_tmux;
