//! `cargo bench --bench latency`: time of gwdoctor's own work in `latency` (gather from a
//! replay, per-minute analysis, checks, text + JSON rendering), without the network. The
//! AWS side (calls and wall time against the emulator) is measured by bench/latency.sh.

use std::path::Path;
use std::time::{Duration, Instant};

use gwdoctor::checks::Settings;
use gwdoctor::commands::latency::{run, LatencyRequest, WindowSpec};
use gwdoctor::output::{render, Format};
use gwdoctor::source::replay::ReplaySource;

fn bench(name: &str, fixture: &str, api: &str, iters: u32) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let source = ReplaySource::open(Path::new(fixture)).expect("fixture");
    let req = LatencyRequest {
        api: api.into(),
        stage: None,
        window: WindowSpec::default(),
        settings: Settings::default(),
        top: 5,
        extra_checks: Vec::new(),
    };
    let mut times: Vec<Duration> = Vec::new();
    let mut bytes = 0;
    for _ in 0..iters {
        let t = Instant::now();
        let out = rt.block_on(run(&source, &req)).expect("run");
        bytes += render(&out.report, Format::Text, false).len();
        bytes += render(&out.report, Format::Json, false).len();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "{name:<38} median {:>8.2?}  min {:>8.2?}  ({iters} runs, {} KiB rendered per run)",
        times[times.len() / 2],
        times[0],
        bytes / iters as usize / 1024
    );
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    bench(
        "demo (1 stage, 3 routes, 60 min)",
        &format!("{root}/fixtures/demo/incident.json"),
        "demo",
        200,
    );
    bench(
        "gateway overhead (authorizer + VTL)",
        &format!("{root}/fixtures/apigw-gateway-overhead/authorizer.json"),
        "gateway-api",
        200,
    );
}
