//! Every replay fixture (`fixtures/<check-id>/<scenario>.json`, and the demo) through the
//! real binary and text renderer: adding a fixture adds a snapshot. Set
//! `INSTA_GLOB_FILTER=apigw-gateway-overhead/*` to iterate on one check.

use crate::util::{fixture_args, gwdoctor};

#[test]
fn fixtures_render_as_snapshotted() {
    insta::glob!("../fixtures", "*/*.json", |path| {
        let out = gwdoctor()
            .args(fixture_args(path))
            .arg("--replay")
            .arg(path)
            .output()
            .unwrap();
        let text = format!(
            "exit code: {}\n{}{}",
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        insta::assert_snapshot!(text);
    });
}
