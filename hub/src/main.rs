//! `hub`: the Training Registry Hub's command line (`hub --help`).

fn main() -> std::process::ExitCode {
    hub::cli::main()
}
