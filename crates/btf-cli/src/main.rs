//! `btf`: a command-line tool for people working with kernel and module BTF.

#![forbid(unsafe_code)]

mod check;
mod dump;
mod json;
mod object;
mod relocate;

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
    /// Relocate a module's split BTF from its distilled base (`.BTF.base`) onto a full base.
    Relocate(relocate::RelocateArgs),
    /// Distill a module's base: a minimal base plus split BTF that can later be relocated.
    Distill(relocate::DistillArgs),
    /// Distill many modules over their old vmlinux and try to relocate each onto a new one;
    /// report how many relocate and group the failures by cause.
    CheckRelocate(relocate::CheckArgs),
    /// Would the kernel accept this BTF? Was this module's BTF built against this vmlinux?
    /// Exit status 0 valid/consistent, 1 invalid/inconsistent, 2 undecidable, 3 error.
    Check(check::CheckArgs),
    /// List a BPF object's .BTF.ext per section: functions, source lines, CO-RE relocations.
    Ext(object::ExtArgs),
    /// Resolve a BPF object's CO-RE relocations against kernels, as libbpf would when loading:
    /// which programs load where. Exit status 1 when a relocation fails unguarded.
    Core(object::CoreArgs),
    /// The smallest BTF that keeps BPF objects' CO-RE relocations resolving on a kernel
    /// (`bpftool gen min_core_btf`).
    Minimize(object::MinimizeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dump(args) => dump::run(&args),
        Command::Relocate(args) => relocate::run_relocate(&args),
        Command::Distill(args) => relocate::run_distill(&args),
        Command::CheckRelocate(args) => relocate::run_check(&args),
        Command::Check(args) => return check::run(&args),
        Command::Ext(args) => object::run_ext(&args),
        Command::Core(args) => return object::run_core(&args),
        Command::Minimize(args) => object::run_minimize(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("btf: {e}");
            ExitCode::FAILURE
        }
    }
}
