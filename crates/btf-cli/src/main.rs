//! `btf`: a command-line tool for people working with kernel and module BTF.

#![forbid(unsafe_code)]

mod dump;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "btf",
    version,
    about = "Inspect kernel and module BTF (BPF Type Format)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print every type of a BTF file, as `bpftool btf dump file FILE format raw` does.
    Dump(dump::DumpArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dump(args) => dump::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("btf: {e}");
            ExitCode::FAILURE
        }
    }
}
