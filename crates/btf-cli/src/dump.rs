//! `btf dump`: bpftool-compatible text dumps of raw, ELF and compressed-module BTF: `format raw`,
//! and `format c` — a vmlinux.h as bpftool 7.7 writes it (libbpf 1.7's C declarations); `--json`
//! and `--pretty` give bpftool's JSON for `format raw` (`bpftool -j|-p btf dump … format raw`).

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use btf_core::{Btf, HeaderOptions, text};
use clap::{Args, ValueEnum};

use crate::raw_json;

/// The running kernel's BTF, and where bpftool looks for a module's base.
pub const SYSFS_VMLINUX: &str = "/sys/kernel/btf/vmlinux";
const SYSFS_BTF_DIR: &str = "/sys/kernel/btf/";

#[derive(Args, Debug)]
pub struct DumpArgs {
    /// BTF to dump: raw BTF, an ELF object or kernel module (.ko, .ko.xz, .ko.zst, .ko.gz), or
    /// the name of a loaded module (`ext4`: /sys/kernel/btf/ext4 over the running vmlinux).
    #[arg(default_value = SYSFS_VMLINUX, value_name = "FILE|MODULE")]
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
    /// JSON output, as `bpftool -j btf dump file FILE format raw` (raw format only).
    #[arg(long, short = 'j')]
    pub json: bool,
    /// Pretty-printed JSON, as `bpftool -p btf dump …` (implies --json).
    #[arg(long, short = 'p')]
    pub pretty: bool,
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

/// What `FILE|MODULE` names: the path itself when it exists or looks like a path, else the loaded
/// module of that name in /sys/kernel/btf/ (as `bpftool btf dump file /sys/kernel/btf/NAME`).
fn resolve_input(arg: &Path) -> Result<PathBuf, String> {
    resolve_input_in(arg, Path::new(SYSFS_BTF_DIR))
}

fn resolve_input_in(arg: &Path, sysfs: &Path) -> Result<PathBuf, String> {
    let bare_name = arg.components().count() == 1
        && !arg.as_os_str().is_empty()
        && !arg.to_string_lossy().contains(['/', '.']);
    if arg.exists() || !bare_name {
        return Ok(arg.to_path_buf());
    }
    let module = sysfs.join(arg);
    if module.exists() {
        return Ok(module);
    }
    if !sysfs.is_dir() {
        return Err(format!(
            "{}: no such file, and no module BTF to look it up in ({} does not exist: a kernel \
             without CONFIG_DEBUG_INFO_BTF, or sysfs not mounted)",
            arg.display(),
            sysfs.display()
        ));
    }
    Err(format!(
        "{}: no such file, and no loaded module of that name with BTF ({} does not exist; \
         `ls {}` lists the modules that have BTF)",
        arg.display(),
        module.display(),
        sysfs.display()
    ))
}

/// The base to use: the one given, or vmlinux for a module file under /sys/kernel/btf/.
fn base_path(file: &Path, base: Option<&Path>) -> Option<PathBuf> {
    if let Some(base) = base {
        return Some(base.to_path_buf());
    }
    let in_sysfs = file.starts_with(SYSFS_BTF_DIR) && file != Path::new(SYSFS_VMLINUX);
    in_sysfs.then(|| PathBuf::from(SYSFS_VMLINUX))
}

pub fn run(args: &DumpArgs) -> Result<(), String> {
    let json = args.json || args.pretty;
    if json && args.format == Format::C {
        return Err("JSON output for C-syntax dump is not supported (as bpftool)".to_string());
    }
    let file = resolve_input(&args.file)?;
    let base = match base_path(&file, args.base.as_deref()) {
        Some(path) => Some(Arc::new(
            Btf::parse_file(&path, None).map_err(|e| format!("base BTF: {e}"))?,
        )),
        None => None,
    };
    let btf = Btf::parse_file(&file, base).map_err(|e| e.to_string())?;
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
        Format::Raw if json => raw_json::write_raw_json(&mut out, &btf, args.pretty).map(drop),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_resolve_under_sysfs() {
        let dir = std::env::temp_dir().join(format!("btf-cli-sysfs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ext4"), b"").unwrap();
        assert_eq!(
            resolve_input_in(Path::new("ext4"), &dir).unwrap(),
            dir.join("ext4")
        );
        // Paths and names with a dot stay what they are (the parse reports a missing file).
        assert_eq!(
            resolve_input_in(Path::new("./ext4"), &dir).unwrap(),
            Path::new("./ext4")
        );
        assert_eq!(
            resolve_input_in(Path::new("ext4.ko"), &dir).unwrap(),
            Path::new("ext4.ko")
        );
        let err = resolve_input_in(Path::new("nosuchmod"), &dir).unwrap_err();
        assert!(err.contains("no loaded module of that name"), "{err}");
        let err = resolve_input_in(Path::new("ext4"), &dir.join("absent")).unwrap_err();
        assert!(err.contains("no module BTF to look it up in"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
