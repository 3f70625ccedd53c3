//! `btf dump`: bpftool-compatible text dumps of raw, ELF and compressed-module BTF.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use btf_core::{Btf, text};
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
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// bpftool's `format raw`.
    Raw,
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
    let stdout = io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let written = match args.format {
        Format::Raw => text::write_raw_dump(&mut out, &btf),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`btf dump | head`) is not an error worth reporting.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("writing output: {e}")),
    }
}
