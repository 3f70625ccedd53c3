//! `btf`: a command-line tool for people working with kernel and module BTF.

#![forbid(unsafe_code)]

mod check;
mod dump;
mod json;
mod object;
mod raw_json;
mod relocate;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  btf dump                                  every type of the running kernel, as bpftool's raw format
  btf dump ext4                             a loaded module's BTF (/sys/kernel/btf/ext4 over vmlinux)
  btf -j dump ext4                          the same as bpftool's JSON (-p: pretty-printed)
  btf dump --format c > vmlinux.h           C declarations for BPF programs
  btf check ext4.ko --base vmlinux.btf      was this module built against this vmlinux?
  btf core prog.bpf.o -t 6.1.btf -t 6.12.btf   will this CO-RE program load on these kernels?

Run `btf help COMMAND` (or `btf COMMAND --help`) for a command's options and examples.";

const DUMP_EXAMPLES: &str = "\
Examples:
  btf dump                                   /sys/kernel/btf/vmlinux, as `bpftool btf dump file … format raw`
  btf dump ext4                              a loaded module: /sys/kernel/btf/ext4 over the running vmlinux
  btf dump ext4.ko.xz --base vmlinux.btf     a module file (raw BTF, ELF, .ko, .ko.xz/.zst/.gz) over its base
  btf dump -j vmlinux.btf | jq '.types[1]'   bpftool's JSON (`bpftool -j btf dump file … format raw`)
  btf dump -p ext4                           pretty-printed JSON (`bpftool -p …`)
  btf dump --format c > vmlinux.h            a vmlinux.h as bpftool 7.7 writes it
  btf dump --format c --type task_struct     one type and what it needs: a small standalone header";

const RELOCATE_EXAMPLES: &str = "\
Examples:
  btf relocate ext4.ko --base vmlinux-new.btf -o ext4.btf
      the module's split BTF, relocated from its .BTF.base onto the new kernel's vmlinux
  btf relocate ext4.split.btf --distilled-base ext4.base.btf --base vmlinux-new.btf -o ext4.btf
      the same from the raw files `btf distill -o` writes";

const DISTILL_EXAMPLES: &str = "\
Examples:
  btf distill ext4.ko --base vmlinux.btf --in-place   add .BTF.base (a distilled base) to a built module
  btf distill ext4.btf --base vmlinux.btf -o out/     write out/ext4.base.btf and out/ext4.split.btf";

const CHECK_RELOCATE_EXAMPLES: &str = "\
Examples:
  btf check-relocate --distill-from vmlinux-old.btf --base vmlinux-new.btf /lib/modules/$(uname -r)/kernel/
  btf check-relocate --distill-from 6.1.0-47.btf --base 6.1.0-54.btf --tar modules.tar.zst -q";

const CHECK_EXAMPLES: &str = "\
Examples:
  btf check vmlinux.btf                               would the kernel accept this BTF?
  btf check ext4.ko --base vmlinux.btf --release 6.1.0-54-amd64   was this module built against it?
  btf check /sys/kernel/btf/ext4                      a loaded module over the running kernel
  btf check --base vmlinux.btf /lib/modules/6.1.0-54-amd64/kernel/ --json > report.json";

const EXT_EXAMPLES: &str = "\
Examples:
  btf ext prog.bpf.o          func_info, line_info (with source) and CO-RE relocations per section";

const CORE_EXAMPLES: &str = "\
Examples:
  btf core prog.bpf.o                              against the running kernel (and its modules)
  btf core prog.bpf.o -t 6.1.btf -t 6.12.btf       a matrix over several kernels' vmlinux BTF
  btf core prog.bpf.o -t 6.1.btf --json            one JSON object per relocation
  btf core prog.bpf.o -t 6.1.btf --log             with libbpf's debug log lines";

const MINIMIZE_EXAMPLES: &str = "\
Examples:
  btf minimize a.bpf.o b.bpf.o -t vmlinux.btf -o min.btf   as `bpftool gen min_core_btf`";

#[derive(Parser, Debug)]
#[command(
    name = "btf",
    version,
    about = "Inspect kernel and module BTF (BPF Type Format)",
    after_help = EXAMPLES,
)]
struct Cli {
    /// JSON output (for `dump`, `check` and `core`), as bpftool's global `-j`.
    #[arg(long, short = 'j')]
    json: bool,
    /// Pretty-printed JSON for `dump` (implies --json), as bpftool's global `-p`.
    #[arg(long, short = 'p')]
    pretty: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print every type of a BTF file, as `bpftool btf dump file FILE format raw` does.
    #[command(after_help = DUMP_EXAMPLES)]
    Dump(dump::DumpArgs),
    /// Relocate a module's split BTF from its distilled base (`.BTF.base`) onto a full base.
    #[command(after_help = RELOCATE_EXAMPLES)]
    Relocate(relocate::RelocateArgs),
    /// Distill a module's base: a minimal base plus split BTF that can later be relocated.
    #[command(after_help = DISTILL_EXAMPLES)]
    Distill(relocate::DistillArgs),
    /// Distill many modules over their old vmlinux and try to relocate each onto a new one;
    /// report how many relocate and group the failures by cause.
    #[command(after_help = CHECK_RELOCATE_EXAMPLES)]
    CheckRelocate(relocate::CheckArgs),
    /// Would the kernel accept this BTF? Was this module's BTF built against this vmlinux?
    /// Exit status 0 valid/consistent, 1 invalid/inconsistent, 2 undecidable, 3 error.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(check::CheckArgs),
    /// List a BPF object's .BTF.ext per section: functions, source lines, CO-RE relocations.
    #[command(after_help = EXT_EXAMPLES)]
    Ext(object::ExtArgs),
    /// Resolve a BPF object's CO-RE relocations against kernels, as libbpf would when loading:
    /// which programs load where. Exit status 1 when a relocation fails unguarded.
    #[command(after_help = CORE_EXAMPLES)]
    Core(object::CoreArgs),
    /// The smallest BTF that keeps BPF objects' CO-RE relocations resolving on a kernel
    /// (`bpftool gen min_core_btf`).
    #[command(after_help = MINIMIZE_EXAMPLES)]
    Minimize(object::MinimizeArgs),
    /// Write the man pages (btf.1, btf-dump.1, …) into a folder (`make man`).
    #[command(hide = true)]
    Man(ManArgs),
    /// Print a shell completion script (`make completions`).
    #[command(hide = true)]
    Completions(CompletionsArgs),
}

#[derive(Args, Debug)]
struct ManArgs {
    /// Folder to write the pages into (created if missing).
    dir: PathBuf,
}

#[derive(Args, Debug)]
struct CompletionsArgs {
    /// The shell to write completions for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// `btf.1` for the tool and `btf-<command>.1` for each visible command.
fn write_man_pages(dir: &Path) -> Result<(), String> {
    let io_err = |path: &Path, e: io::Error| format!("{}: {e}", path.display());
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = vec![("btf".to_string(), cmd.clone())];
    // clap's own `help` command needs no page: `btf.1` lists the commands.
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        // clap names are `&'static str` without its `string` feature; a few short strings
        // leaked once in a process that ends right after are the simplest way to rename.
        let name: &'static str = Box::leak(format!("btf-{}", sub.get_name()).into_boxed_str());
        let bin: &'static str = Box::leak(format!("btf {}", sub.get_name()).into_boxed_str());
        pages.push((name.to_string(), sub.clone().name(name).bin_name(bin)));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut text = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut text)
            .map_err(|e| io_err(&path, e))?;
        std::fs::write(&path, text).map_err(|e| io_err(&path, e))?;
    }
    Ok(())
}

fn write_completions(shell: clap_complete::Shell) -> Result<(), String> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "btf", &mut out);
    io::stdout()
        .write_all(&out)
        .map_err(|e| format!("writing output: {e}"))
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    if cli.json || cli.pretty {
        match &mut cli.command {
            Command::Dump(args) => {
                args.json |= cli.json;
                args.pretty |= cli.pretty;
            }
            Command::Check(args) if !cli.pretty => args.json = true,
            Command::Core(args) if !cli.pretty => args.json = true,
            _ => {
                let flag = if cli.pretty {
                    "-p/--pretty"
                } else {
                    "-j/--json"
                };
                eprintln!("btf: {flag} goes with `dump` (and -j with `check` and `core`)");
                return ExitCode::from(2);
            }
        }
    }
    let result = match cli.command {
        Command::Dump(args) => dump::run(&args),
        Command::Relocate(args) => relocate::run_relocate(&args),
        Command::Distill(args) => relocate::run_distill(&args),
        Command::CheckRelocate(args) => relocate::run_check(&args),
        Command::Check(args) => return check::run(&args),
        Command::Ext(args) => object::run_ext(&args),
        Command::Core(args) => return object::run_core(&args),
        Command::Minimize(args) => object::run_minimize(&args),
        Command::Man(args) => write_man_pages(&args.dir),
        Command::Completions(args) => write_completions(args.shell),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("btf: {e}");
            ExitCode::FAILURE
        }
    }
}
