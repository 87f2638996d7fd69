//! The `mailharness` command line: parses the arguments into the library's
//! settings ([`mailharness::cli::parse`]) and runs the command on one
//! async runtime; the exit codes are [`mailharness::exit`]'s.

use mailharness::{cli, exit};

/// mimalloc rather than the system's allocator: a verdict makes many small,
/// short-lived allocations (parsed fields, DNS messages, records), and
/// glibc's malloc and free took about a tenth of the verifier's time
/// (bench/RESULTS.md, "Where the time goes").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What stops a command before it starts.
enum Failure {
    /// A usage error, or the help or version text asked for.
    Args(clap::Error),
    /// The async runtime could not be built.
    Runtime(std::io::Error),
}

fn main() {
    let code = match try_main() {
        Ok(code) => code,
        Err(Failure::Args(e)) => {
            let _ = e.print();
            if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            }
        }
        Err(Failure::Runtime(e)) => {
            eprintln!("error: cannot start the async runtime: {e}");
            exit::ENVIRONMENT
        }
    };
    std::process::exit(code);
}

/// Parses the command line and runs the command; its exit code.
fn try_main() -> Result<i32, Failure> {
    let invocation = cli::parse(std::env::args_os()).map_err(Failure::Args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Failure::Runtime)?;
    let mut out = std::io::stdout().lock();
    let code = runtime.block_on(invocation.execute(&mut out, &mut std::io::stderr()));
    Ok(code)
}
