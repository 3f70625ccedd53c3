//! `btf dump`: bpftool-compatible text dumps of raw, ELF and compressed-module BTF: `format raw`,
//! and `format c` — a vmlinux.h as bpftool 7.7 writes it (libbpf 1.7's C declarations).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use btf_core::{Btf, HeaderOptions, text};
use clap::{Args, ValueEnum};

/// The running kernel's BTF, and where bpftool looks for a module's base.
pub const SYSFS_VMLINUX: &str = "/sys/kernel/btf/vmlinux";
const SYSFS_BTF_DIR: &str = "/sys/kernel/btf/";

#[derive(Args, Debug)]
pub struct DumpArgs {
    /// BTF to dump: raw BTF, an ELF object or kernel module (.ko, .ko.xz, .ko.zst, .ko.gz).
    #[arg(default_value = SYSFS_VMLINUX)]
    file: PathBuf,
    /// Base BTF for split BTF (module BTF). Files in /sys/kernel/btf/ get vmlinux automatically.
    #[arg(long, short = 'B')]
    base: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Raw)]
    format: Format,
    /// With `--format c`: types in id order instead of bpftool's sorted order.
    #[arg(long)]
    unsorted: bool,
    /// With `--format c`: only this type (a name or an id) and what it needs, e.g. a small
    /// self-contained header for one struct. Repeatable.
    #[arg(long = "type", value_name = "NAME|ID")]
    types: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// bpftool's `format raw`.
    Raw,
    /// C declarations: a vmlinux.h, as `bpftool btf dump file FILE format c`.
    C,
}

/// The type ids `--type` names: ids as given, names through `find_by_name` (base first).
fn root_ids(btf: &Btf, types: &[String]) -> Result<Vec<u32>, String> {
    types
        .iter()
        .map(|t| match t.parse::<u32>() {
            Ok(id) if id < btf.type_cnt() => Ok(id),
            Ok(id) => Err(format!(
                "--type {id}: no such type id (the BTF has {} ids)",
                btf.type_cnt()
            )),
            Err(_) => btf
                .find_by_name(t.as_bytes())
                .ok_or_else(|| format!("--type {t}: no type of that name")),
        })
        .collect()
}

/// The base to use: the one given, or vmlinux for a module file under /sys/kernel/btf/.
fn base_path(args: &DumpArgs) -> Option<PathBuf> {
    if args.base.is_some() {
        return args.base.clone();
    }
    let in_sysfs = args.file.starts_with(SYSFS_BTF_DIR) && args.file != Path::new(SYSFS_VMLINUX);
    in_sysfs.then(|| PathBuf::from(SYSFS_VMLINUX))
}

pub fn run(args: &DumpArgs) -> Result<(), String> {
    let base = match base_path(args) {
        Some(path) => Some(Arc::new(
            Btf::parse_file(&path, None).map_err(|e| format!("base BTF: {e}"))?,
        )),
        None => None,
    };
    let btf = Btf::parse_file(&args.file, base).map_err(|e| e.to_string())?;
    if args.format != Format::C && (args.unsorted || !args.types.is_empty()) {
        return Err("--unsorted and --type go with --format c".to_string());
    }
    let options = HeaderOptions {
        unsorted: args.unsorted,
        roots: root_ids(&btf, &args.types)?,
    };
    let stdout = io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let written = match args.format {
        Format::Raw => text::write_raw_dump(&mut out, &btf),
        Format::C => match btf_core::write_header(&btf, &mut out, &options) {
            Ok(()) => Ok(()),
            Err(e) => match e.kind() {
                // EPIPE: the reader went away (`btf dump --format c | head`).
                btf_core::ErrorKind::Os(32) => Err(io::Error::from(io::ErrorKind::BrokenPipe)),
                _ => return Err(e.to_string()),
            },
        },
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`btf dump | head`) is not an error worth reporting.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("writing output: {e}")),
    }
}
