//! `btf check`: the kernel's verdict on BTF, and whether module BTF belongs to a vmlinux.
//!
//! * `btf check FILE` — without a base: would the kernel accept this BTF (`BPF_BTF_LOAD`)? The
//!   verifier log's reason when not.
//! * `btf check MODULE --base VMLINUX` — was this module's split BTF built against this base?
//!   Consistent, inconsistent (with the references that cannot be right and why) or undecidable
//!   (and why). A module under `/sys/kernel/btf/` gets vmlinux and the running release itself.
//! * `btf check --base VMLINUX DIR|FILES|--tar T` — a whole distro's modules in parallel, with a
//!   progress bar and a report grouped by cause.
//!
//! Exit status: 0 consistent/valid, 1 inconsistent/invalid, 2 undecidable, 3 usage or I/O error
//! (for several inputs: 3 if any could not be read, else 1 if any is inconsistent, else 2 if any
//! is undecidable, else 0).

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use btf_core::Btf;
use btf_core::check::{BaseChecker, BaseInfo, CheckReport, KernelRules, Verdict};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::dump::SYSFS_VMLINUX;
use crate::json;
use crate::relocate::{collect_files, module_name, read_tar};

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// BTF to check: module files (raw split BTF, .ko, .ko.xz, .ko.zst, .ko.gz) or folders of
    /// them with --base; any raw BTF or ELF file without.
    inputs: Vec<PathBuf>,
    /// The vmlinux BTF the modules are read over. Modules in /sys/kernel/btf/ get the running
    /// kernel's automatically.
    #[arg(long, short = 'B', value_name = "VMLINUX")]
    base: Option<PathBuf>,
    /// zstd-compressed tar archives of modules to check too (with --base).
    #[arg(long, value_name = "TAR")]
    tar: Vec<PathBuf>,
    /// The base kernel's release (e.g. 6.1.0-47-amd64), compared with ELF modules' vermagic.
    #[arg(long, value_name = "RELEASE")]
    release: Option<String>,
    /// The base kernel's Module.symvers, compared with ELF modules' __versions CRCs.
    #[arg(long, value_name = "FILE")]
    symvers: Option<PathBuf>,
    /// Print JSON: one object for one input, an array for several.
    #[arg(long)]
    pub json: bool,
    /// Every finding, not only the first few of each kind.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Worker threads for several inputs (default: one per CPU).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// The result for one input.
enum Outcome {
    /// Kernel verdict on standalone BTF: `None` accepted, else the log's reason.
    Validated(Option<String>),
    /// A module over a base.
    Checked(Box<CheckReport>),
    /// The input could not be read (I/O, not BTF, malformed regardless of the base).
    Error(String),
}

impl Outcome {
    fn status(&self) -> u8 {
        match self {
            Outcome::Validated(None) => 0,
            Outcome::Validated(Some(_)) => 1,
            Outcome::Checked(r) => match r.verdict {
                Verdict::Consistent => 0,
                Verdict::Inconsistent => 1,
                Verdict::Undecidable => 2,
            },
            Outcome::Error(_) => 3,
        }
    }
}

/// Exit status of several results: errors first, then inconsistency, then doubt.
fn combined_status(outcomes: &[Outcome]) -> u8 {
    let has = |s: u8| outcomes.iter().any(|o| o.status() == s);
    [3, 1, 2].into_iter().find(|&s| has(s)).unwrap_or(0)
}

pub fn run(args: &CheckArgs) -> ExitCode {
    match check(args) {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("btf: {e}");
            ExitCode::from(3)
        }
    }
}

fn under_sysfs(path: &Path) -> bool {
    path.starts_with("/sys/kernel/btf/") && !path.ends_with("vmlinux")
}

/// The running kernel's release, for modules read from sysfs.
fn running_release() -> Option<String> {
    fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_string())
}

fn parse_symvers(path: &Path) -> Result<HashMap<String, u64>, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut crcs = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let mut fields = line.split('\t');
        let (Some(crc), Some(symbol)) = (fields.next(), fields.next()) else {
            continue;
        };
        let crc = u64::from_str_radix(crc.trim_start_matches("0x"), 16)
            .map_err(|_| format!("{}:{}: not a CRC: {crc}", path.display(), n + 1))?;
        crcs.insert(symbol.to_string(), crc);
    }
    Ok(crcs)
}

fn check(args: &CheckArgs) -> Result<u8, String> {
    if args.inputs.is_empty() && args.tar.is_empty() {
        return Err("nothing to check: name BTF files, module files or folders, or --tar".into());
    }
    let sysfs_module = args.base.is_none() && args.inputs.iter().any(|p| under_sysfs(p));
    let base_path = match (&args.base, sysfs_module) {
        (Some(b), _) => Some(b.clone()),
        (None, true) => Some(PathBuf::from(SYSFS_VMLINUX)),
        (None, false) => None,
    };
    if base_path.is_none() && !args.tar.is_empty() {
        return Err("--tar needs --base: the vmlinux BTF the modules are checked against".into());
    }

    let mut files = Vec::new();
    for input in &args.inputs {
        collect_files(input, &mut files)?;
    }
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for t in &args.tar {
        inputs.extend(read_tar(t)?);
    }
    let several = files.len() + inputs.len() > 1 || args.inputs.iter().any(|p| p.is_dir());
    // Files are read by the workers; archive members are already in memory.
    let names: Vec<String> = inputs
        .iter()
        .map(|(n, _)| n.clone())
        .chain(files.iter().map(|f| f.display().to_string()))
        .collect();

    let checker = match &base_path {
        Some(path) => {
            let base = Btf::parse_file(path, None)
                .map(Arc::new)
                .map_err(|e| format!("base {}: {e}", path.display()))?;
            let release = args.release.clone().or_else(|| {
                (path == Path::new(SYSFS_VMLINUX))
                    .then(running_release)
                    .flatten()
            });
            let symbol_crcs = args.symvers.as_deref().map(parse_symvers).transpose()?;
            Some(BaseChecker::with_info(
                base,
                BaseInfo {
                    release,
                    symbol_crcs,
                },
            ))
        }
        None => None,
    };

    let one = |index: usize| -> Outcome {
        let owned;
        let bytes: &[u8] = if index < inputs.len() {
            &inputs[index].1
        } else {
            let path = &files[index - inputs.len()];
            match fs::read(path) {
                Ok(b) => {
                    owned = b;
                    &owned
                }
                Err(e) => return Outcome::Error(format!("{}: {e}", path.display())),
            }
        };
        match &checker {
            Some(c) => match c.check(bytes) {
                Ok(report) => Outcome::Checked(Box::new(report)),
                Err(e) => Outcome::Error(e.to_string()),
            },
            None => validate_standalone(bytes),
        }
    };

    let outcomes: Vec<Outcome> = if several {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(args.jobs.unwrap_or(0))
            .build()
            .map_err(|e| format!("starting worker threads: {e}"))?;
        let bar = if args.quiet || args.json || !io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(names.len() as u64)
        };
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} modules {elapsed_precise}")
                .expect("valid template"),
        );
        let outcomes = pool.install(|| {
            (0..names.len())
                .into_par_iter()
                .map(|i| {
                    let o = one(i);
                    bar.inc(1);
                    o
                })
                .collect()
        });
        bar.finish_and_clear();
        outcomes
    } else {
        vec![one(0)]
    };

    let mut out = BufWriter::new(io::stdout().lock());
    let w = |e: io::Error| e.to_string();
    let base_label = base_path.as_ref().map(|p| p.display().to_string());
    if args.json {
        let objects: Vec<String> = names
            .iter()
            .zip(&outcomes)
            .map(|(name, o)| outcome_json(name, o))
            .collect();
        if several {
            writeln!(out, "{}", json::array(objects)).map_err(w)?;
        } else {
            writeln!(out, "{}", objects[0]).map_err(w)?;
        }
    } else if several {
        write!(out, "{}", report(&names, &outcomes, base_label.as_deref())).map_err(w)?;
    } else {
        write!(
            out,
            "{}",
            single(&names[0], &outcomes[0], base_label.as_deref(), args.verbose)
        )
        .map_err(w)?;
    }
    out.flush().map_err(w)?;
    Ok(combined_status(&outcomes))
}

/// The kernel's verdict on standalone BTF: raw BTF, or the `.BTF` of an ELF file.
fn validate_standalone(bytes: &[u8]) -> Outcome {
    let data = match btf_core::decompress(bytes) {
        Ok(d) => d,
        Err(e) => return Outcome::Error(e.to_string()),
    };
    let raw_magic = data.len() >= 2 && (data[..2] == [0x9f, 0xeb] || data[..2] == [0xeb, 0x9f]);
    let btf = if raw_magic {
        &data[..]
    } else {
        match btf_core::elf::elf_sections(&data) {
            Ok(secs) => match secs.btf {
                Some(b) => b,
                None => return Outcome::Error("no .BTF section".into()),
            },
            Err(e) => return Outcome::Error(e.to_string()),
        }
    };
    match btf_core::validate::validate_bytes(btf) {
        Ok(()) => Outcome::Validated(None),
        Err(r) => Outcome::Validated(Some(rejection_text(
            r.context.as_deref(),
            &r.message,
            r.errno,
        ))),
    }
}

fn rejection_text(context: Option<&str>, message: &str, errno: i32) -> String {
    let mut text = String::new();
    if let Some(c) = context {
        text.push_str(c.trim());
        text.push_str(": ");
    }
    if message.is_empty() {
        text.push_str(&format!("refused with errno {errno} and no message"));
    } else {
        text.push_str(message.trim());
    }
    text
}

fn single(name: &str, outcome: &Outcome, base: Option<&str>, verbose: bool) -> String {
    match outcome {
        Outcome::Validated(None) => format!("{name}: valid: the kernel would accept this BTF\n"),
        Outcome::Validated(Some(why)) => {
            format!("{name}: invalid: the kernel would refuse this BTF:\n  {why}\n")
        }
        Outcome::Error(e) => format!("{name}: error: {e}\n"),
        Outcome::Checked(r) => {
            let base = base.unwrap_or("the base");
            let mut out = format!("{name} over {base}: {}\n", r.verdict);
            match r.verdict {
                Verdict::Consistent => {
                    for e in &r.evidence {
                        out += &format!("  {e}\n");
                    }
                }
                Verdict::Undecidable => {
                    if let Some(u) = &r.undecidable {
                        out += &format!("  {u}\n");
                    }
                }
                Verdict::Inconsistent => {
                    let shown = if verbose {
                        r.findings.len()
                    } else {
                        r.findings.len().min(10)
                    };
                    for f in &r.findings[..shown] {
                        out += &format!("  [{}] {}\n", f.rule, f.message);
                    }
                    let total = r.finding_count() as usize;
                    if total > shown {
                        let counts: Vec<String> = r
                            .rule_counts
                            .iter()
                            .map(|(rule, n)| format!("{n} {rule}"))
                            .collect();
                        out += &format!("  ({total} findings in all: {})\n", counts.join(", "));
                    }
                }
            }
            if let KernelRules::Rejected { message, .. } = &r.kernel {
                out += &format!(
                    "  the kernel would refuse this module's BTF: {}\n",
                    message.trim()
                );
            }
            for note in &r.notes {
                out += &format!("  note: {note}\n");
            }
            out
        }
    }
}

/// The grouping key of an outcome in a batch report.
fn cause(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Validated(None) => "valid".into(),
        Outcome::Validated(Some(why)) => why.clone(),
        Outcome::Error(e) => e.clone(),
        Outcome::Checked(r) => match r.verdict {
            Verdict::Consistent => r
                .evidence
                .first()
                .map_or_else(|| "consistent".into(), |e| e.to_string()),
            Verdict::Inconsistent => r.findings.first().map_or_else(
                || "inconsistent".into(),
                |f| format!("{}: {}", f.rule, rule_meaning(f.rule)),
            ),
            Verdict::Undecidable => r
                .undecidable
                .as_ref()
                .map_or_else(|| "undecidable".into(), |u| u.cause()),
        },
    }
}

/// What a rule's finding says about a module, for grouped reports.
fn rule_meaning(rule: btf_core::check::Rule) -> &'static str {
    use btf_core::check::Rule::*;
    match rule {
        Relocation => "its distilled base does not relocate onto this vmlinux",
        Vermagic => "built for another kernel release (vermagic)",
        SymbolCrc => "symbol CRCs differ from this kernel's (modversions)",
        KernelRules => "the kernel would refuse its BTF over this vmlinux",
        TypeIdRange => "references a type id past the end of this vmlinux + module",
        RefTarget => "a pointer, typedef or modifier lands on a function, variable or section",
        MemberType => "a struct member's type is not an object type here",
        MemberFit => "a struct member does not fit in its struct here",
        MemberOverlap => "struct members overlap here",
        Bitfield => "a bitfield's type cannot hold it here",
        MemberAlign => "a non-integer member is not byte aligned here",
        Array => "an array's element or index type is impossible here",
        FuncType => "a function's type is not a prototype here",
        FuncProto => "a function prototype's return or parameter type is impossible here",
        VarType => "a variable's type is not an object type here",
        Datasec => "a data section entry does not fit here",
        DeclTag => "a declaration tag lands on something that cannot carry it",
        StringRange => "a name offset past the end of this vmlinux's strings",
        StringStart => "a name offset lands inside one of this vmlinux's strings",
        Name => "a name the kernel requires is missing or invalid here",
    }
}

fn report(names: &[String], outcomes: &[Outcome], base: Option<&str>) -> String {
    let mut by_status: BTreeMap<u8, BTreeMap<String, usize>> = BTreeMap::new();
    for o in outcomes {
        *by_status
            .entry(o.status())
            .or_default()
            .entry(cause(o))
            .or_default() += 1;
    }
    let count = |s: u8| by_status.get(&s).map_or(0, |m| m.values().sum::<usize>());
    let validating = outcomes
        .iter()
        .all(|o| matches!(o, Outcome::Validated(_) | Outcome::Error(_)))
        && base.is_none();
    let (ok, bad, doubt) = if validating {
        ("valid", "invalid", "undecidable")
    } else {
        ("consistent", "inconsistent", "undecidable")
    };
    let mut out = format!(
        "{} inputs{}: {} {ok}, {} {bad}, {} {doubt}, {} unreadable\n",
        outcomes.len(),
        base.map_or(String::new(), |b| format!(" over {b}")),
        count(0),
        count(1),
        count(2),
        count(3),
    );
    for (status, title) in [(1, bad), (2, doubt), (0, ok), (3, "unreadable")] {
        let Some(causes) = by_status.get(&status) else {
            continue;
        };
        out += &format!("{title}:\n");
        let mut causes: Vec<(&String, &usize)> = causes.iter().collect();
        causes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (cause, n) in causes.iter().take(20) {
            let unit = if **n == 1 { "input" } else { "inputs" };
            out += &format!("  {n} {unit}: {cause}\n");
        }
        if causes.len() > 20 {
            out += &format!("  … and {} more causes\n", causes.len() - 20);
        }
    }
    let errors: Vec<String> = names
        .iter()
        .zip(outcomes)
        .filter_map(|(n, o)| match o {
            Outcome::Error(e) => Some(format!("  {}: {e}\n", module_name(Path::new(n)))),
            _ => None,
        })
        .take(20)
        .collect();
    if !errors.is_empty() {
        out += "errors:\n";
        out += &errors.concat();
    }
    out
}

fn outcome_json(name: &str, outcome: &Outcome) -> String {
    let obj = json::Object::default().field("input", name);
    match outcome {
        Outcome::Validated(why) => obj
            .field("verdict", if why.is_none() { "valid" } else { "invalid" })
            .field("reason", why.as_deref())
            .finish(),
        Outcome::Error(e) => obj
            .field("verdict", "error")
            .field("reason", e.as_str())
            .finish(),
        Outcome::Checked(r) => {
            let findings = json::array(r.findings.iter().map(|f| {
                json::Object::default()
                    .field("rule", f.rule.as_str())
                    .field("type_id", f.type_id.map(u64::from))
                    .field("base_id", f.base_id.map(u64::from))
                    .field("message", f.message.as_str())
                    .finish()
            }));
            let counts = json::array(r.rule_counts.iter().map(|(rule, n)| {
                json::Object::default()
                    .field("rule", rule.as_str())
                    .field("count", u64::from(*n))
                    .finish()
            }));
            let evidence = json::array(r.evidence.iter().map(|e| json::string(&e.to_string())));
            let notes = json::array(r.notes.iter().map(|n| json::string(n)));
            let kernel = match &r.kernel {
                KernelRules::NotRun => "\"not run\"".to_string(),
                KernelRules::Accepted => "\"accepted\"".to_string(),
                KernelRules::Rejected { message, .. } => json::string(message.trim()),
            };
            let undecidable = r.undecidable.as_ref().map(|u| u.to_string());
            obj.field("verdict", r.verdict.as_str())
                .field("summary", r.summary().as_str())
                .raw("findings", &findings)
                .raw("rule_counts", &counts)
                .raw("evidence", &evidence)
                .field("undecidable", undecidable.as_deref())
                .raw("kernel", &kernel)
                .field("distilled", r.distilled)
                .raw("notes", &notes)
                .finish()
        }
    }
}
