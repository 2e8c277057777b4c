//! The `gwdoctor` binary: parse the command line, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match gwdoctor::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version are not errors.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gwdoctor: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    // Not locked for the whole run: the dashboard's panic hook restores the terminal from
    // whichever thread panics, and would wait forever on a lock held here.
    let mut stdout = std::io::stdout();
    match runtime.block_on(gwdoctor::cli::run(cli, &mut stdout)) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            // A closed pipe (`gwdoctor … | head`) is not a failure (ripgrep's rule).
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("gwdoctor: {err:#}");
            ExitCode::from(2)
        }
    }
}
