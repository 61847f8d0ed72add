//! The `netpry` binary: hands the command line to [`netpry::app::main`] and exits with its status.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(netpry::app::main(std::env::args_os().collect()))
}
