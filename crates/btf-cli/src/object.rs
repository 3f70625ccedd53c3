//! Commands on BPF object files (clang's `-target bpf`/`bpfeb` output):
//!
//! * `btf ext OBJ` — the `.BTF.ext` records per section: functions, source lines, CO-RE
//!   relocations with their local access spelled out;
//! * `btf core OBJ --target VMLINUX...` — every CO-RE relocation resolved against each target
//!   kernel as libbpf would when loading, and whether a failure would stop a program (a failed
//!   relocation is harmless when an existence check makes its instruction dead code);
//! * `btf minimize OBJ... --target VMLINUX -o OUT` — `bpftool gen min_core_btf`.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use btf_core::co_re::{Patched, ReloOutcome, ResolveOptions, Targets, format_spec, parse_spec};
use btf_core::ext::CoreReloKind;
use btf_core::object::{BpfObject, Verdict};
use btf_core::{Btf, Endianness};
use clap::Args;

use crate::dump::SYSFS_VMLINUX;
use crate::json;

#[derive(Args, Debug)]
pub struct ExtArgs {
    /// The BPF object file (ELF, either byte order).
    object: PathBuf,
}

#[derive(Args, Debug)]
pub struct CoreArgs {
    /// The BPF object file (ELF, either byte order).
    object: PathBuf,
    /// Kernel BTF to resolve against (raw BTF or an ELF vmlinux). Repeat for a fleet of kernels.
    /// Default: the running kernel's /sys/kernel/btf/vmlinux and its modules, as libbpf loads.
    #[arg(long = "target", short = 't', value_name = "VMLINUX")]
    targets: Vec<PathBuf>,
    /// Module BTF (raw split BTF or a .ko) to search too, split over the one --target: types
    /// vmlinux lacks are looked up in modules, as libbpf does. Repeatable.
    #[arg(long = "module", short = 'm', value_name = "MODULE")]
    modules: Vec<PathBuf>,
    /// One JSON array of relocation objects instead of text.
    #[arg(long)]
    pub json: bool,
    /// With several targets: list every relocation, not only those that fail somewhere.
    #[arg(long)]
    all: bool,
    /// Also print libbpf's debug log lines for each target (what `bpf_object__load` logs).
    #[arg(long)]
    log: bool,
}

#[derive(Args, Debug)]
pub struct MinimizeArgs {
    /// BPF object files whose CO-RE relocations must keep resolving.
    #[arg(required = true)]
    objects: Vec<PathBuf>,
    /// The full kernel BTF to minimize.
    #[arg(long = "target", short = 't', value_name = "VMLINUX")]
    target: PathBuf,
    /// Where to write the minimized raw BTF.
    #[arg(long, short = 'o', value_name = "OUT")]
    output: PathBuf,
}

fn open_object(path: &Path) -> Result<BpfObject, String> {
    BpfObject::open(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn open_btf(path: &Path) -> Result<Btf, String> {
    Btf::parse_file(path, None).map_err(|e| format!("{}: {e}", path.display()))
}

fn name_of<'a>(btf: &'a Btf, off: u32) -> std::borrow::Cow<'a, str> {
    String::from_utf8_lossy(btf.str_bytes(off).unwrap_or(b"?"))
}

// ---- btf ext ---------------------------------------------------------------------------------

pub fn run_ext(args: &ExtArgs) -> Result<(), String> {
    let object = open_object(&args.object)?;
    let Some(ext) = &object.ext else {
        return Err(format!("{}: no .BTF.ext section", args.object.display()));
    };
    let btf = &object.btf;
    let mut out = BufWriter::new(io::stdout().lock());
    let h = ext.header();
    let order = match ext.endianness() {
        Endianness::Little => "little-endian",
        Endianness::Big => "big-endian",
    };
    let w = |e: io::Error| e.to_string();
    writeln!(
        out,
        "{}: .BTF.ext version {}, {order}, header {} bytes; func_info {} bytes (records of {}), \
         line_info {} bytes (records of {}), core_relo {} bytes (records of {})",
        args.object.display(),
        h.version,
        h.hdr_len,
        h.func_info_len,
        ext.func_info_rec_size(),
        h.line_info_len,
        ext.line_info_rec_size(),
        h.core_relo_len,
        ext.core_relo_rec_size(),
    )
    .map_err(w)?;

    // Sections in the order they first appear in any of the three parts.
    let mut sections: Vec<String> = Vec::new();
    let mut note = |name: String| {
        if !sections.contains(&name) {
            sections.push(name);
        }
    };
    let sec_name = |s: Option<&std::ffi::CStr>| {
        s.map_or("?".to_string(), |n| n.to_string_lossy().into_owned())
    };
    ext.func_info().for_each(|s| note(sec_name(s.name(btf))));
    ext.line_info().for_each(|s| note(sec_name(s.name(btf))));
    ext.core_relo().for_each(|s| note(sec_name(s.name(btf))));

    for section in &sections {
        writeln!(out, "\nsection '{section}'").map_err(w)?;
        let code = object.section_by_name(section);
        let function_of = |insn_off: u32| {
            code.and_then(|s| object.function_at(s, (insn_off / 8) as usize))
                .map_or("?", |f| f.name.as_str())
        };
        for s in ext
            .func_info()
            .filter(|s| sec_name(s.name(btf)) == *section)
        {
            writeln!(out, "  func_info ({}):", s.num_info()).map_err(w)?;
            for r in s.records() {
                let t = btf.type_by_id(r.type_id);
                let name = t.map_or("?".into(), |t| name_of(btf, t.name_off()));
                let kind = t.map_or("?", |t| btf_core::kind_name(&t));
                writeln!(
                    out,
                    "    insn #{:<5} [{}] {kind} '{name}'",
                    r.insn_off / 8,
                    r.type_id
                )
                .map_err(w)?;
            }
        }
        for s in ext
            .line_info()
            .filter(|s| sec_name(s.name(btf)) == *section)
        {
            writeln!(out, "  line_info ({}):", s.num_info()).map_err(w)?;
            for r in s.records() {
                let file = name_of(btf, r.file_name_off);
                let file = file.rsplit('/').next().unwrap_or(&file).to_string();
                let line = name_of(btf, r.line_off);
                writeln!(
                    out,
                    "    insn #{:<5} {file}:{}:{}\t{}",
                    r.insn_off / 8,
                    r.line(),
                    r.column(),
                    line.trim()
                )
                .map_err(w)?;
            }
        }
        for s in ext
            .core_relo()
            .filter(|s| sec_name(s.name(btf)) == *section)
        {
            writeln!(out, "  CO-RE relocations ({}):", s.num_info()).map_err(w)?;
            for (i, r) in s.records().enumerate() {
                let prog = function_of(r.insn_off);
                let kind = CoreReloKind::from_raw(r.kind).map_or("unknown", |k| k.libbpf_name());
                let local = match parse_spec(prog, btf, &r).0 {
                    Ok(spec) => spec_text(&spec),
                    Err(errno) => format!(
                        "[{}] access \"{}\" (invalid: {})",
                        r.type_id,
                        name_of(btf, r.access_str_off),
                        btf_core::co_re::errstr(errno)
                    ),
                };
                writeln!(
                    out,
                    "    #{i:<3} insn #{:<5} {kind:<15} {local}  (in '{prog}')",
                    r.insn_off / 8
                )
                .map_err(w)?;
            }
        }
    }
    out.flush().map_err(w)
}

// ---- btf core --------------------------------------------------------------------------------

/// One target kernel: its label, its BTF, and module BTF split over it (the running kernel's).
struct Kernel {
    label: String,
    vmlinux: Btf,
    modules: Vec<(String, Btf)>,
    custom: bool,
}

fn load_kernels(paths: &[PathBuf], modules: &[PathBuf]) -> Result<Vec<Kernel>, String> {
    if paths.is_empty() && modules.is_empty() {
        let vmlinux = Arc::new(open_btf(Path::new(SYSFS_VMLINUX))?);
        let mut modules = Vec::new();
        if let Ok(dir) = fs::read_dir("/sys/kernel/btf") {
            let mut names: Vec<PathBuf> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
            names.sort();
            for path in names.into_iter().filter(|p| !p.ends_with("vmlinux")) {
                // A module whose BTF does not parse is skipped, as libbpf skips it.
                if let Ok(btf) = Btf::parse_file(&path, Some(vmlinux.clone())) {
                    let name = path
                        .file_name()
                        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
                    modules.push((name, btf));
                }
            }
        }
        let vmlinux = Arc::try_unwrap(vmlinux).unwrap_or_else(|shared| (*shared).clone());
        return Ok(vec![Kernel {
            label: "running kernel".into(),
            vmlinux,
            modules,
            custom: false,
        }]);
    }
    if !modules.is_empty() {
        let [path] = paths else {
            return Err(
                "--module needs exactly one --target: the vmlinux the modules are split over"
                    .into(),
            );
        };
        let vmlinux = Arc::new(open_btf(path)?);
        let modules = modules
            .iter()
            .map(|m| {
                let btf = Btf::parse_file(m, Some(vmlinux.clone()))
                    .map_err(|e| format!("{}: {e}", m.display()))?;
                let name = label_of(m);
                let name = name.split('.').next().unwrap_or(&name).to_string();
                Ok((name, btf))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let vmlinux = Arc::try_unwrap(vmlinux).unwrap_or_else(|shared| (*shared).clone());
        return Ok(vec![Kernel {
            label: label_of(path),
            vmlinux,
            modules,
            custom: false,
        }]);
    }
    paths
        .iter()
        .map(|p| {
            Ok(Kernel {
                label: label_of(p),
                vmlinux: open_btf(p)?,
                modules: Vec::new(),
                custom: true,
            })
        })
        .collect()
}

/// A short column label for a target file: its name without `.btf`.
fn label_of(path: &Path) -> String {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    name.strip_suffix(".btf")
        .map_or(name.clone(), str::to_string)
}

/// What one relocation did on one target, ready to print.
struct Row {
    program: String,
    section: String,
    relo: usize,
    insn: Option<usize>,
    kind: String,
    local: String,
    target: Option<String>,
    /// Where the target type is: `vmlinux` or a module's name.
    target_btf: Option<String>,
    orig: Option<u64>,
    value: Option<u64>,
    verdict: Verdict,
    error: Option<String>,
}

fn rows(outcomes: &[ReloOutcome<'_>], verdicts: &[Verdict], targets: &Targets<'_>) -> Vec<Row> {
    outcomes
        .iter()
        .zip(verdicts)
        .map(|(o, &verdict)| {
            let r = o.resolution.as_ref();
            let kind = r.map_or("unknown", |r| {
                CoreReloKind::from_raw(r.relo.kind).map_or("unknown", |k| k.libbpf_name())
            });
            let res = r.and_then(|r| r.res);
            let patch_error = o.patch.as_ref().and_then(|p| p.result.as_ref().err());
            let patch_poisoned = o
                .patch
                .as_ref()
                .is_some_and(|p| matches!(p.result, Ok(Patched::Poisoned { .. })));
            Row {
                program: o.prog_name.clone().unwrap_or_default(),
                section: o.section.clone(),
                relo: o.relo_idx,
                insn: o.insn_idx,
                kind: kind.to_string(),
                local: r
                    .and_then(|r| r.local_spec.as_ref())
                    .map_or_else(String::new, spec_text),
                target: r.and_then(|r| r.target_spec.as_ref()).map(spec_text),
                target_btf: r
                    .and_then(|r| r.target)
                    .map(|c| targets.name(c.target).to_string()),
                orig: res.map(|res| res.orig_val),
                value: res
                    .filter(|res| !res.poison && !patch_poisoned)
                    .map(|res| res.new_val),
                verdict,
                error: r
                    .and_then(|r| r.error.as_ref())
                    .or(patch_error)
                    .map(ToString::to_string),
            }
        })
        .collect()
}

/// A spec as libbpf prints it, without the `<kind> ` prefix (the kind has its own column).
fn spec_text(spec: &btf_core::co_re::Spec<'_>) -> String {
    let text = format_spec(spec);
    match text.split_once("> ") {
        Some((kind, rest)) if kind.starts_with('<') => rest.to_string(),
        _ => text,
    }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Resolved => "resolved",
        Verdict::Guarded => "guarded",
        Verdict::Unguarded => "unguarded",
        Verdict::Error => "error",
        Verdict::Skipped => "skipped",
    }
}

/// Exit status 0: every program loads on every target; 1: some relocation fails unguarded (or
/// resolution fails) somewhere; 2: the command could not run (I/O, malformed input).
pub fn run_core(args: &CoreArgs) -> ExitCode {
    match core(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("btf: {e}");
            ExitCode::from(2)
        }
    }
}

fn core(args: &CoreArgs) -> Result<bool, String> {
    let object = open_object(&args.object)?;
    if object.ext.is_none() {
        return Err(format!("{}: no .BTF.ext section", args.object.display()));
    }
    let kernels = load_kernels(&args.targets, &args.modules)?;
    let options = ResolveOptions::default();
    let mut per_kernel: Vec<(String, Vec<Row>, Option<String>)> = Vec::new();
    let mut out = BufWriter::new(io::stdout().lock());
    let w = |e: io::Error| e.to_string();
    for kernel in &kernels {
        let targets = if kernel.custom {
            Targets::custom(&kernel.vmlinux)
        } else {
            Targets::kernel(
                &kernel.vmlinux,
                kernel.modules.iter().map(|(n, b)| (n.clone(), b)).collect(),
            )
        };
        let (report, verdicts) = object.relocate_core(&targets, &options);
        if args.log {
            for line in &report.log {
                writeln!(out, "[{}] {line}", kernel.label).map_err(w)?;
            }
        }
        per_kernel.push((
            kernel.label.clone(),
            rows(&report.outcomes, &verdicts, &targets),
            report.error.map(|e| e.to_string()),
        ));
    }

    let ok = per_kernel
        .iter()
        .all(|(_, rows, error)| error.is_none() && !rows.iter().any(|r| r.verdict.is_failure()));
    if args.json {
        print_json(&mut out, &per_kernel).map_err(w)?;
    } else if per_kernel.len() == 1 {
        print_one(&mut out, &args.object, &per_kernel[0]).map_err(w)?;
    } else {
        print_matrix(&mut out, &args.object, &per_kernel, args.all).map_err(w)?;
    }
    out.flush().map_err(w)?;
    Ok(ok)
}

fn print_json(
    out: &mut impl Write,
    per_kernel: &[(String, Vec<Row>, Option<String>)],
) -> io::Result<()> {
    writeln!(out, "[")?;
    let mut first = true;
    for (label, rows, _) in per_kernel {
        for r in rows {
            let line = json::Object::default()
                .field("kernel", label.as_str())
                .field(
                    "program",
                    (!r.program.is_empty()).then_some(r.program.as_str()),
                )
                .field("section", r.section.as_str())
                .field("relo", r.relo as u64)
                .field("insn", r.insn.map(|i| i as u64))
                .field("kind", r.kind.as_str())
                .field("local", r.local.as_str())
                .field("target", r.target.as_deref())
                .field("target_btf", r.target_btf.as_deref())
                .field("orig", r.orig)
                .field("value", r.value)
                .field("verdict", verdict_word(r.verdict))
                .field("error", r.error.as_deref())
                .finish();
            writeln!(out, "{}{line}", if first { "" } else { "," })?;
            first = false;
        }
    }
    writeln!(out, "]")
}

fn outcome_text(r: &Row) -> String {
    if let Some(e) = &r.error {
        return format!("ERROR: {e}");
    }
    let values = match (r.orig, r.value) {
        (Some(o), Some(v)) => format!("{o} -> {v}"),
        (Some(o), None) => format!("{o} -> poisoned"),
        _ => String::new(),
    };
    match (&r.target, r.verdict) {
        (_, Verdict::Skipped) => "skipped (libbpf does not apply it)".into(),
        (Some(t), _) => match r.target_btf.as_deref() {
            Some(module) if module != "vmlinux" => format!("=> {t} in [{module}]: {values}"),
            _ => format!("=> {t}: {values}"),
        },
        (None, Verdict::Resolved) if r.kind == "local_type_id" => format!("=> (local) {values}"),
        (None, Verdict::Guarded) => {
            format!("=> no match: {values}; guarded (dead code on this kernel)")
        }
        (None, Verdict::Unguarded) => format!(
            "=> no match: {values}; UNGUARDED: the verifier rejects '{}' at insn #{}",
            r.program,
            r.insn.unwrap_or(0)
        ),
        (None, _) => format!("=> no match: {values}"),
    }
}

fn print_one(
    out: &mut impl Write,
    object: &Path,
    (label, rows, error): &(String, Vec<Row>, Option<String>),
) -> io::Result<()> {
    let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
    writeln!(
        out,
        "{} on {label}: {} relocations: {} resolved, {} guarded, {} unguarded, {} errors",
        object.display(),
        rows.len(),
        count(Verdict::Resolved),
        count(Verdict::Guarded),
        count(Verdict::Unguarded),
        count(Verdict::Error),
    )?;
    // Programs in the order their relocations come (section order of `.BTF.ext`).
    let mut by_prog: Vec<((&str, &str), Vec<&Row>)> = Vec::new();
    for r in rows {
        let key = (r.section.as_str(), r.program.as_str());
        match by_prog.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(r),
            None => by_prog.push((key, vec![r])),
        }
    }
    for ((section, program), rows) in by_prog {
        writeln!(out, "prog '{program}' ({section})")?;
        for r in rows {
            writeln!(
                out,
                "  relo #{:<3} insn #{:<5} {:<15} {} {}",
                r.relo,
                r.insn.map_or("-".into(), |i| i.to_string()),
                r.kind,
                r.local,
                outcome_text(r)
            )?;
        }
    }
    if let Some(e) = error {
        writeln!(out, "libbpf would stop here: {e}")?;
    }
    Ok(())
}

fn print_matrix(
    out: &mut impl Write,
    object: &Path,
    per_kernel: &[(String, Vec<Row>, Option<String>)],
    all: bool,
) -> io::Result<()> {
    // Relocations are identified by (section, relo #); every target sees the same list.
    let first = &per_kernel[0].1;
    let cell = |k: usize, i: usize| -> &'static str {
        per_kernel[k].1.get(i).map_or("-", |r| match r.verdict {
            Verdict::Resolved if r.target.is_none() && r.kind != "local_type_id" => "none",
            Verdict::Resolved => "ok",
            Verdict::Guarded => "guarded",
            Verdict::Unguarded => "FAIL",
            Verdict::Error => "ERROR",
            Verdict::Skipped => "skip",
        })
    };
    let labels: Vec<&str> = per_kernel.iter().map(|(l, _, _)| l.as_str()).collect();
    let width = labels.iter().map(|l| l.len()).max().unwrap_or(4).max(7);
    // Compact: the accessor without its raw spec and offset (`btf core -t ONE` shows them).
    let describe = |r: &Row| {
        let local = r.local.split(" (").next().unwrap_or(&r.local);
        format!("{} #{} {} {local}", r.program, r.relo, r.kind)
    };
    let shown: Vec<usize> = (0..first.len())
        .filter(|&i| all || (0..per_kernel.len()).any(|k| cell(k, i) != "ok"))
        .collect();
    let left = shown
        .iter()
        .map(|&i| describe(&first[i]).len())
        .max()
        .unwrap_or(10)
        .max(10);
    writeln!(
        out,
        "{}: {} relocations on {} kernels{}",
        object.display(),
        first.len(),
        per_kernel.len(),
        if all {
            ""
        } else {
            "; those not resolved everywhere:"
        }
    )?;
    write!(out, "{:left$}", "")?;
    for l in &labels {
        write!(out, "  {l:>width$}")?;
    }
    writeln!(out)?;
    for &i in &shown {
        write!(out, "{:left$}", describe(&first[i]))?;
        for k in 0..per_kernel.len() {
            write!(out, "  {:>width$}", cell(k, i))?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "(ok: resolved; none: no match, harmless value; guarded: no match, dead code; FAIL: no match, the program is rejected)"
    )?;
    for (label, rows, error) in per_kernel {
        let failing: Vec<&str> = {
            let mut p: Vec<&str> = rows
                .iter()
                .filter(|r| r.verdict.is_failure())
                .map(|r| r.program.as_str())
                .collect();
            p.dedup();
            p
        };
        match (error, failing.is_empty()) {
            (Some(e), _) => writeln!(out, "{label}: the object does not load: {e}")?,
            (None, true) => writeln!(out, "{label}: every program loads")?,
            (None, false) => writeln!(out, "{label}: programs rejected: {}", failing.join(", "))?,
        }
    }
    Ok(())
}

// ---- btf minimize ----------------------------------------------------------------------------

pub fn run_minimize(args: &MinimizeArgs) -> Result<(), String> {
    let target = open_btf(&args.target)?;
    let objects = args
        .objects
        .iter()
        .map(|p| open_object(p))
        .collect::<Result<Vec<_>, _>>()?;
    let refs: Vec<&BpfObject> = objects.iter().collect();
    let min = btf_core::minimize::minimize(&target, &refs).map_err(|e| e.to_string())?;
    fs::write(&args.output, min.raw_data()).map_err(|e| format!("{}: {e}", args.output.display()))
}
