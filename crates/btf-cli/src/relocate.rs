//! `btf relocate`, `btf distill` and `btf check-relocate`: moving module BTF from one kernel
//! build to another through a distilled base.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use btf_core::elf_write;
use btf_core::{Btf, RelocateIndex, decompress};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

const BTF_MAGIC_LE: [u8; 2] = [0x9f, 0xeb];
const BTF_MAGIC_BE: [u8; 2] = [0xeb, 0x9f];

fn is_raw_btf(data: &[u8]) -> bool {
    data.len() >= 2 && (data[..2] == BTF_MAGIC_LE || data[..2] == BTF_MAGIC_BE)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn load_base(path: &Path, what: &str) -> Result<Arc<Btf>, String> {
    Btf::parse_file(path, None)
        .map(Arc::new)
        .map_err(|e| format!("{what} BTF: {e}"))
}

fn write(path: &Path, data: &[u8]) -> Result<(), String> {
    fs::write(path, data).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// The module name of a file: `e1000e.ko.xz` → `e1000e`, `3c59x.btf` → `3c59x`.
pub fn module_name(path: &Path) -> String {
    let mut name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for suffix in [".xz", ".zst", ".gz", ".ko", ".btf", ".o"] {
        if let Some(s) = name.strip_suffix(suffix) {
            name = s.to_owned();
        }
    }
    name
}

// ---------------------------------------------------------------------------------------------
// btf relocate
// ---------------------------------------------------------------------------------------------

#[derive(Args, Debug)]
pub struct RelocateArgs {
    /// The module: an ELF module (.ko, .ko.xz, .ko.zst, .ko.gz) with `.BTF.base` and `.BTF`, or,
    /// with --distilled-base, raw split BTF over that distilled base.
    module: PathBuf,
    /// The full base to relocate onto (e.g. the target kernel's vmlinux BTF).
    #[arg(long, short = 'B')]
    base: PathBuf,
    /// Raw distilled base BTF the (raw) MODULE is split over.
    #[arg(long)]
    distilled_base: Option<PathBuf>,
    /// Where to write the relocated split BTF (raw).
    #[arg(long, short = 'o')]
    output: PathBuf,
}

pub fn run_relocate(args: &RelocateArgs) -> Result<(), String> {
    let base = load_base(&args.base, "base")?;
    let data = read(&args.module)?;
    let m = args.module.display();
    let mut split = match &args.distilled_base {
        Some(dist_path) => {
            let dist = load_base(dist_path, "distilled base")?;
            let data = decompress(&data).map_err(|e| format!("{m}: {e}"))?;
            if is_raw_btf(&data) {
                Btf::from_bytes_split(&data, dist).map_err(|e| format!("{m}: {e}"))?
            } else {
                // An ELF module with a separately given distilled base.
                Btf::parse_elf_bytes(&data, None)
                    .and_then(|e| Btf::from_bytes_split(&e.btf.raw_data(), dist))
                    .map_err(|e| format!("{m}: {e}"))?
            }
        }
        None => {
            if is_raw_btf(&data) {
                return Err(format!(
                    "{m} is raw BTF: give the distilled base it is split over with \
                     --distilled-base"
                ));
            }
            let plain = decompress(&data).map_err(|e| format!("{m}: {e}"))?;
            let secs = btf_core::elf::elf_sections(&plain).map_err(|e| format!("{m}: {e}"))?;
            if secs.base.is_none() {
                return Err(format!(
                    "{m} has no .BTF.base section (its BTF is split over a full vmlinux); \
                     distill it first with `btf distill --in-place`, or give --distilled-base"
                ));
            }
            btf_core::elf::parse_elf(&plain, None)
                .map_err(|e| format!("{m}: {e}"))?
                .btf
        }
    };
    split
        .relocate_detailed(base)
        .map_err(|e| format!("{m}: {e}"))?;
    write(&args.output, &split.raw_data())
}

// ---------------------------------------------------------------------------------------------
// btf distill
// ---------------------------------------------------------------------------------------------

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("dest").required(true).args(["output", "in_place"])))]
pub struct DistillArgs {
    /// The module: raw split BTF over BASE, or an ELF module (.ko, compressed allowed).
    module: PathBuf,
    /// The base MODULE's BTF is split over (its vmlinux).
    #[arg(long, short = 'B')]
    base: PathBuf,
    /// Folder to write `<name>.base.btf` (distilled base) and `<name>.split.btf` into.
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Rewrite the (uncompressed) ELF module: new `.BTF`, and `.BTF.base` added or replaced.
    #[arg(long)]
    in_place: bool,
}

pub fn run_distill(args: &DistillArgs) -> Result<(), String> {
    let base = load_base(&args.base, "base")?;
    let m = args.module.display();
    if args.in_place {
        let data = read(&args.module)?;
        if is_raw_btf(&data) {
            return Err(format!(
                "{m} is raw BTF, not an ELF module: --in-place needs an ELF file; use -o DIR"
            ));
        }
        if matches!(decompress(&data), Ok(std::borrow::Cow::Owned(_))) {
            return Err(format!(
                "{m} is compressed: --in-place rewrites only uncompressed ELF files; decompress \
                 it first or use -o DIR"
            ));
        }
        let new = elf_write::distill_elf(&data, base).map_err(|e| format!("{m}: {e}"))?;
        let tmp = args.module.with_extension("btf-tmp");
        write(&tmp, &new)?;
        if let Ok(meta) = fs::metadata(&args.module) {
            let _ = fs::set_permissions(&tmp, meta.permissions());
        }
        return fs::rename(&tmp, &args.module)
            .map_err(|e| format!("replacing {}: {e}", args.module.display()));
    }
    let dir = args
        .output
        .as_ref()
        .expect("clap requires -o or --in-place");
    let split = Btf::parse_file(&args.module, Some(base)).map_err(|e| e.to_string())?;
    let (dist_base, new_split) = split.distill_base().map_err(|e| format!("{m}: {e}"))?;
    fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let name = module_name(&args.module);
    write(&dir.join(format!("{name}.base.btf")), &dist_base.raw_data())?;
    write(
        &dir.join(format!("{name}.split.btf")),
        &new_split.raw_data(),
    )
}

// ---------------------------------------------------------------------------------------------
// btf check-relocate
// ---------------------------------------------------------------------------------------------

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Module files (raw split BTF over --distill-from, or ELF modules) and folders of them.
    inputs: Vec<PathBuf>,
    /// The new base to relocate onto (the target kernel's vmlinux BTF).
    #[arg(long, short = 'B')]
    base: PathBuf,
    /// The base the modules were built over (their own kernel's vmlinux BTF).
    #[arg(long)]
    distill_from: PathBuf,
    /// A `.tar.zst` of raw split BTF files (the corpus' `modules-all/<ver>.tar.zst`).
    #[arg(long)]
    tar: Vec<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
}

fn is_module_file(path: &Path) -> bool {
    let name = path.file_name().and_then(OsStr::to_str).unwrap_or("");
    name.ends_with(".btf") || name.contains(".ko")
}

pub fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !meta.is_dir() {
        out.push(path.to_owned());
        return Ok(());
    }
    let entries = fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        if child.is_dir() {
            collect_files(&child, out)?;
        } else if is_module_file(&child) {
            out.push(child);
        }
    }
    Ok(())
}

/// Every regular file of a zstd-compressed tar archive, as `(module name, bytes)`.
pub fn read_tar(path: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let file = File::open(path).map_err(err)?;
    let decoder = zstd::stream::read::Decoder::new(BufReader::new(file)).map_err(err)?;
    let mut archive = tar::Archive::new(decoder);
    let mut out = Vec::new();
    for entry in archive.entries().map_err(err)? {
        let mut entry = entry.map_err(err)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = module_name(&entry.path().map_err(err)?);
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(err)?;
        out.push((name, bytes));
    }
    Ok(out)
}

/// What happened to one module.
#[derive(Debug)]
pub enum Outcome {
    Relocated,
    /// Relocation failed; the grouping key of the first (libbpf-reported) failure.
    Failed(String),
    /// The module could not be read or distilled.
    Error(String),
}

/// Distills one module (raw split BTF over `old`, or an ELF module) and relocates it onto `new`.
pub fn check_one(data: &[u8], old: &Arc<Btf>, new: &RelocateIndex) -> Outcome {
    let split = if is_raw_btf(data) {
        Btf::from_bytes_split(data, Arc::clone(old))
    } else {
        Btf::parse_elf_bytes(data, Some(Arc::clone(old))).map(|e| e.btf)
    };
    let split = match split {
        Ok(s) => s,
        Err(e) => return Outcome::Error(format!("cannot read: {e}")),
    };
    let (_, mut distilled) = match split.distill_base() {
        Ok(d) => d,
        Err(e) => return Outcome::Error(format!("cannot distill: {e}")),
    };
    match distilled.relocate_indexed(new) {
        Ok(()) => Outcome::Relocated,
        Err(e) => Outcome::Failed(e.first().cause()),
    }
}

pub fn run_check(args: &CheckArgs) -> Result<(), String> {
    if args.inputs.is_empty() && args.tar.is_empty() {
        return Err("no modules given: name module files, folders or --tar archives".into());
    }
    let mut files = Vec::new();
    for input in &args.inputs {
        collect_files(input, &mut files)?;
    }
    let old = load_base(&args.distill_from, "--distill-from")?;
    let new = RelocateIndex::new(load_base(&args.base, "base")?);
    let mut modules: Vec<(String, Vec<u8>)> = Vec::new();
    for t in &args.tar {
        modules.extend(read_tar(t)?);
    }
    for f in &files {
        modules.push((f.display().to_string(), read(f)?));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .map_err(|e| format!("starting worker threads: {e}"))?;
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(modules.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} modules {elapsed_precise}")
            .expect("valid template"),
    );
    let outcomes: Vec<Outcome> = pool.install(|| {
        modules
            .par_iter()
            .map(|(_, data)| {
                let o = check_one(data, &old, &new);
                bar.inc(1);
                o
            })
            .collect()
    });
    bar.finish_and_clear();
    print!("{}", report(&modules, &outcomes));
    Ok(())
}

fn report(modules: &[(String, Vec<u8>)], outcomes: &[Outcome]) -> String {
    let total = outcomes.len();
    let ok = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Relocated))
        .count();
    let mut groups: HashMap<&str, usize> = HashMap::new();
    let mut errors = Vec::new();
    for ((name, _), o) in modules.iter().zip(outcomes) {
        match o {
            Outcome::Relocated => {}
            Outcome::Failed(cause) => *groups.entry(cause).or_default() += 1,
            Outcome::Error(e) => {
                *groups.entry("unreadable or not distillable").or_default() += 1;
                errors.push(format!("  {name}: {e}\n"));
            }
        }
    }
    let mut groups: Vec<(&str, usize)> = groups.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut out = format!("{ok} of {total} modules relocate\n");
    if !groups.is_empty() {
        out += &format!("{} fail:\n", total - ok);
        for (cause, n) in groups {
            let unit = if n == 1 { "module" } else { "modules" };
            out += &format!("  {n} {unit}: {cause}\n");
        }
    }
    if !errors.is_empty() {
        out += "errors:\n";
        out += &errors.concat();
    }
    out
}
