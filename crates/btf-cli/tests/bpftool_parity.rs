//! `btf dump` must print exactly what `bpftool btf dump file FILE [-B BASE] format raw` prints.
//!
//! The oracle is the system's bpftool (Debian's 7.1 here); the inputs are the shared real-world
//! corpus (`../shared/corpus` next to the workspace, see its README) and the running kernel's
//! `/sys/kernel/btf/`. Each test prints `SKIP <test>: <reason>` to stderr and returns when what
//! it needs is absent; set `BTF_PARITY_REQUIRED=1` to turn those skips into failures (CI).
//! `BPFTOOL=/path/to/bpftool` picks another oracle. Run with `--nocapture` to see counts and
//! timings.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const BTF: &str = env!("CARGO_BIN_EXE_btf");
const SYSFS_DIR: &str = "/sys/kernel/btf";
const SYSFS_VMLINUX: &str = "/sys/kernel/btf/vmlinux";

// ---------------------------------------------------------------------------------------------
// Locating the corpus and the oracle
// ---------------------------------------------------------------------------------------------

/// Prints why `test` checks nothing, or fails it when `BTF_PARITY_REQUIRED` is set.
fn skip(test: &str, reason: &str) {
    if std::env::var_os("BTF_PARITY_REQUIRED").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("{test}: {reason} (and BTF_PARITY_REQUIRED is set)");
    }
    eprintln!("SKIP {test}: {reason}");
}

/// `<workspace>/../shared/corpus`, if it exists.
fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// A bpftool that runs: `$BPFTOOL`, else `bpftool` on `PATH` or in the usual sbin folders.
fn bpftool() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match std::env::var_os("BPFTOOL") {
        Some(p) => vec![PathBuf::from(p)],
        None => std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
            .map(|d| d.join("bpftool"))
            .collect(),
    };
    candidates.into_iter().find(|p| {
        p.is_file()
            && Command::new(p)
                .arg("version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    })
}

/// The corpus and bpftool, or `None` after saying which one is missing.
fn corpus_and_bpftool(test: &str) -> Option<(PathBuf, PathBuf)> {
    let Some(corpus) = corpus_dir() else {
        skip(test, "../shared/corpus not found");
        return None;
    };
    let Some(bpftool) = bpftool() else {
        skip(test, "no runnable bpftool (PATH, /usr/sbin, $BPFTOOL)");
        return None;
    };
    Some((corpus, bpftool))
}

/// Files directly in `dir` whose name ends with `suffix`, sorted.
fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

/// Sub-folder names of `dir`, sorted.
fn subdirs(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// `vmlinux/<ver>.btf`; a missing one is a broken corpus, not a reason to skip.
fn vmlinux_of(corpus: &Path, ver: &str) -> PathBuf {
    let p = corpus.join("vmlinux").join(format!("{ver}.btf"));
    assert!(p.is_file(), "corpus has no base {} for {ver}", p.display());
    p
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .unwrap_or(p.as_os_str())
        .to_string_lossy()
        .into_owned()
}

// ---------------------------------------------------------------------------------------------
// Running and comparing
// ---------------------------------------------------------------------------------------------

/// What the oracle is expected to do with a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// bpftool succeeds and `btf dump` prints the same bytes.
    Same,
    /// As `Same` when bpftool succeeds; when bpftool rejects the file, `btf dump` must too.
    SameOrBothReject,
}

/// One comparison: `btf <ours>` against `bpftool <theirs>`.
#[derive(Debug)]
struct Case {
    label: String,
    ours: Vec<OsString>,
    theirs: Vec<OsString>,
    expect: Expect,
}

/// `btf dump FILE [--base BASE]` against `bpftool btf dump file FILE [-B BASE] format raw`.
fn case(file: &Path, base: Option<&Path>) -> Case {
    case_split(file, file, base)
}

/// `btf dump OURS [--base BASE]` against `bpftool btf dump file THEIRS [-B BASE] format raw`.
fn case_split(ours: &Path, theirs: &Path, base: Option<&Path>) -> Case {
    let mut label = ours.display().to_string();
    let mut our_args: Vec<OsString> = vec!["dump".into(), ours.into()];
    let mut their_args: Vec<OsString> = vec!["btf".into(), "dump".into(), "file".into()];
    their_args.push(theirs.into());
    if let Some(base) = base {
        label.push_str(&format!(" --base {}", base.display()));
        our_args.extend(["--base".into(), base.into()]);
        their_args.extend(["-B".into(), base.into()]);
    }
    their_args.extend(["format".into(), "raw".into()]);
    Case {
        label,
        ours: our_args,
        theirs: their_args,
        expect: Expect::Same,
    }
}

fn run(program: &OsStr, args: &[OsString]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.to_string_lossy()))
}

fn clip(bytes: &[u8]) -> String {
    const MAX: usize = 400;
    let s = String::from_utf8_lossy(bytes);
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.into_owned(),
    }
}

/// `None` when equal, else where the two texts first differ (1-based line, both lines).
fn first_difference(ours: &[u8], theirs: &[u8]) -> Option<String> {
    if ours == theirs {
        return None;
    }
    let count = |t: &[u8]| t.split_inclusive(|&c| c == b'\n').count();
    let mut a = ours.split_inclusive(|&c| c == b'\n');
    let mut b = theirs.split_inclusive(|&c| c == b'\n');
    let mut line = 1;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (x, y) => {
                let show = |l: Option<&[u8]>| {
                    l.map_or("<end of output>".to_owned(), |l| format!("{:?}", clip(l)))
                };
                return Some(format!(
                    "first difference at line {line} (btf: {} lines, bpftool: {} lines)\n  \
                     btf:     {}\n  bpftool: {}",
                    count(ours),
                    count(theirs),
                    show(x),
                    show(y),
                ));
            }
        }
    }
}

/// Outcome of one case: `Ok(true)` same output, `Ok(false)` both tools rejected the input.
fn check(bpftool: &Path, case: &Case) -> Result<bool, String> {
    let theirs = run(bpftool.as_os_str(), &case.theirs);
    let ours = run(OsStr::new(BTF), &case.ours);
    let ours_failed = || {
        format!(
            "btf dump failed ({}): {}",
            ours.status,
            clip(&ours.stderr).trim_end()
        )
    };
    if !theirs.status.success() {
        if case.expect == Expect::SameOrBothReject {
            return if ours.status.success() {
                Err(format!(
                    "bpftool rejects it ({}) but btf dump printed {} bytes",
                    clip(&theirs.stderr).trim_end(),
                    ours.stdout.len()
                ))
            } else if ours.stdout.is_empty()
                && !String::from_utf8_lossy(&ours.stderr).contains("panicked")
            {
                Ok(false)
            } else {
                Err(format!(
                    "both reject it, but btf dump was not clean: {}",
                    ours_failed()
                ))
            };
        }
        return Err(format!(
            "the oracle failed ({}): {}",
            theirs.status,
            clip(&theirs.stderr).trim_end()
        ));
    }
    if theirs.stdout.is_empty() {
        return Err("the oracle printed nothing".to_owned());
    }
    if !ours.status.success() {
        return Err(ours_failed());
    }
    if !ours.stderr.is_empty() {
        return Err(format!(
            "btf dump wrote to stderr: {}",
            clip(&ours.stderr).trim_end()
        ));
    }
    match first_difference(&ours.stdout, &theirs.stdout) {
        None => Ok(true),
        Some(diff) => Err(diff),
    }
}

/// `f` over `items` on as many threads as there are CPUs (at most one per item), in order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(items.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().unwrap()[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

/// Runs every case, prints counts and timings, and fails listing every mismatch.
fn compare_all(test: &str, bpftool: &Path, cases: &[Case]) {
    assert!(!cases.is_empty(), "{test}: no files to compare");
    let start = Instant::now();
    let outcomes = par_map(cases, |c| {
        let t = Instant::now();
        (check(bpftool, c), t.elapsed())
    });
    let wall = start.elapsed();

    let mut same = 0;
    let mut rejected = Vec::new();
    let mut failures = Vec::new();
    let mut slowest: Option<(Duration, &str)> = None;
    for (c, (outcome, took)) in cases.iter().zip(&outcomes) {
        if slowest.is_none_or(|(d, _)| *took > d) {
            slowest = Some((*took, &c.label));
        }
        match outcome {
            Ok(true) => same += 1,
            Ok(false) => rejected.push(c.label.as_str()),
            Err(e) => failures.push(format!("MISMATCH {}\n  {e}", c.label)),
        }
    }
    let (slow_time, slow_label) = slowest.expect("at least one case");
    eprintln!(
        "{test}: {} files, {same} identical to bpftool, {} rejected by both, {} mismatched; \
         {:.2?} wall (slowest {slow_time:.2?}: {slow_label})",
        cases.len(),
        rejected.len(),
        failures.len(),
        wall,
    );
    for r in &rejected {
        eprintln!("  rejected by both: {r}");
    }
    assert!(
        failures.is_empty(),
        "{test}: {} of {} files differ from bpftool:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(same > 0, "{test}: no file produced output to compare");
}

/// A fresh folder under the system temp folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("btf-cli-{tag}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

#[test]
fn vmlinux_matches_bpftool() {
    let test = "vmlinux_matches_bpftool";
    let Some((corpus, bpftool)) = corpus_and_bpftool(test) else {
        return;
    };
    let cases: Vec<Case> = files_ending(&corpus.join("vmlinux"), ".btf")
        .iter()
        .map(|f| case(f, None))
        .collect();
    compare_all(test, &bpftool, &cases);
}

#[test]
fn module_split_btf_matches_bpftool() {
    let test = "module_split_btf_matches_bpftool";
    let Some((corpus, bpftool)) = corpus_and_bpftool(test) else {
        return;
    };
    let modules = corpus.join("modules");
    let versions = subdirs(&modules);
    assert!(
        !versions.is_empty(),
        "{} holds no versions",
        modules.display()
    );
    let mut cases = Vec::new();
    for ver in &versions {
        let base = vmlinux_of(&corpus, ver);
        let files = files_ending(&modules.join(ver), ".btf");
        assert!(!files.is_empty(), "no modules/{ver}/*.btf");
        eprintln!("{test}: {ver}: {} modules", files.len());
        cases.extend(files.iter().map(|f| case(f, Some(&base))));
    }
    compare_all(test, &bpftool, &cases);
}

/// `ko/<ver>/*.ko` with their base, as `(ko, base)`.
fn ko_files(corpus: &Path) -> Vec<(PathBuf, PathBuf)> {
    let ko = corpus.join("ko");
    let mut out = Vec::new();
    for ver in subdirs(&ko) {
        let base = vmlinux_of(corpus, &ver);
        let files = files_ending(&ko.join(&ver), ".ko");
        assert!(!files.is_empty(), "no ko/{ver}/*.ko");
        out.extend(files.into_iter().map(|f| (f, base.clone())));
    }
    assert!(!out.is_empty(), "{} holds no modules", ko.display());
    out
}

#[test]
fn ko_elf_matches_bpftool() {
    let test = "ko_elf_matches_bpftool";
    let Some((corpus, bpftool)) = corpus_and_bpftool(test) else {
        return;
    };
    let cases: Vec<Case> = ko_files(&corpus)
        .iter()
        .map(|(ko, base)| case(ko, Some(base)))
        .collect();
    compare_all(test, &bpftool, &cases);
}

/// A compressor the test uses: command, arguments to compress to stdout, suffix, magic.
struct Compressor {
    tool: &'static str,
    args: &'static [&'static str],
    suffix: &'static str,
    magic: &'static [u8],
}

const COMPRESSORS: [Compressor; 3] = [
    Compressor {
        tool: "xz",
        // The kernel's `make modules_install` options (crc32 check, 1 MiB dictionary), at a
        // fast preset.
        args: &["-c", "--check=crc32", "--lzma2=preset=1,dict=1MiB"],
        suffix: "xz",
        magic: b"\xfd7zXZ\0",
    },
    Compressor {
        tool: "zstd",
        args: &["-q", "-c"],
        suffix: "zst",
        magic: b"\x28\xb5\x2f\xfd",
    },
    Compressor {
        tool: "gzip",
        args: &["-n", "-c"],
        suffix: "gz",
        magic: b"\x1f\x8b",
    },
];

/// `.ko.xz`, `.ko.zst` and `.ko.gz`: `btf dump` on the compressed module must print what bpftool
/// prints for the uncompressed one (Debian's bpftool 7.1 cannot read compressed modules).
#[test]
fn compressed_ko_matches_bpftool_on_uncompressed() {
    let test = "compressed_ko_matches_bpftool_on_uncompressed";
    let Some((corpus, bpftool)) = corpus_and_bpftool(test) else {
        return;
    };
    let tools: Vec<&Compressor> = COMPRESSORS
        .iter()
        .filter(|c| {
            let ok = Command::new(c.tool)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                skip(
                    test,
                    &format!("`{}` is not installed: no .ko.{} files", c.tool, c.suffix),
                );
            }
            ok
        })
        .collect();
    if tools.is_empty() {
        return;
    }
    let tmp = TempDir::new("compressed-ko");
    let mut jobs = Vec::new();
    for (ko, base) in ko_files(&corpus) {
        // `vmlinux/<ver>.btf` → `<ver>`, to keep same-named modules of two builds apart.
        let ver = base
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        for c in &tools {
            let out = tmp.0.join(format!("{ver}-{}.{}", file_name(&ko), c.suffix));
            jobs.push((ko.clone(), base.clone(), *c, out));
        }
    }

    let start = Instant::now();
    par_map(&jobs, |(ko, _, c, out)| {
        let file = File::create(out).unwrap_or_else(|e| panic!("creating {}: {e}", out.display()));
        let status = Command::new(c.tool)
            .args(c.args)
            .arg(ko)
            .stdout(file)
            .status()
            .unwrap_or_else(|e| panic!("running {}: {e}", c.tool));
        assert!(
            status.success(),
            "{} {} failed: {status}",
            c.tool,
            ko.display()
        );
        let head = fs::read(out).expect("compressed file");
        assert!(
            head.starts_with(c.magic),
            "{} does not start with the {} magic",
            out.display(),
            c.tool
        );
    });
    eprintln!(
        "{test}: compressed {} modules with {} in {:.2?}",
        jobs.len() / tools.len(),
        tools.iter().map(|c| c.tool).collect::<Vec<_>>().join(", "),
        start.elapsed()
    );

    let cases: Vec<Case> = jobs
        .iter()
        .map(|(ko, base, _, out)| case_split(out, ko, Some(base)))
        .collect();
    compare_all(test, &bpftool, &cases);
}

/// pahole's output: every `pahole/*.btf` (a `*-split.btf` is split over `small.btf`), plus the
/// ELF objects — those without `.BTF` must be rejected by both tools.
#[test]
fn pahole_btf_matches_bpftool() {
    let test = "pahole_btf_matches_bpftool";
    let Some((corpus, bpftool)) = corpus_and_bpftool(test) else {
        return;
    };
    let dir = corpus.join("pahole");
    let base = dir.join("small.btf");
    let btf_files = files_ending(&dir, ".btf");
    assert!(!btf_files.is_empty(), "no pahole/*.btf");
    let mut cases: Vec<Case> = btf_files
        .iter()
        .map(|f| {
            let split = file_name(f).ends_with("-split.btf");
            case(f, split.then_some(base.as_path()))
        })
        .collect();
    cases.extend(files_ending(&dir, ".o").iter().map(|f| Case {
        expect: Expect::SameOrBothReject,
        ..case(f, None)
    }));
    compare_all(test, &bpftool, &cases);
}

/// The running kernel: `btf dump` with no FILE, the explicit path, every module BTF in
/// `/sys/kernel/btf/` (base chosen automatically by both tools) and, since a machine may have no
/// module BTF there, a non-canonical spelling of vmlinux's path that both tools treat as a
/// module file (auto base = vmlinux).
///
/// (An explicit `--base` overriding the automatic one is checked in `cli_errors.rs`: any real
/// base other than vmlinux itself shifts the type ids, and libbpf 1.7 — like `btf dump` — then
/// rejects vmlinux as split BTF while bpftool 7.1's libbpf 1.1 does not validate it.)
#[test]
fn running_kernel_matches_bpftool() {
    let test = "running_kernel_matches_bpftool";
    let Some(bpftool) = bpftool() else {
        skip(test, "no runnable bpftool (PATH, /usr/sbin, $BPFTOOL)");
        return;
    };
    if File::open(SYSFS_VMLINUX).is_err() {
        skip(test, &format!("{SYSFS_VMLINUX} is absent or unreadable"));
        return;
    }
    let vmlinux = Path::new(SYSFS_VMLINUX);
    let mut default_file = case(vmlinux, None);
    default_file.ours.truncate(1); // just `btf dump`
    default_file.label = format!("(no FILE argument) = {SYSFS_VMLINUX}");
    let mut cases = vec![default_file, case(vmlinux, None)];

    let modules: Vec<PathBuf> = files_ending(Path::new(SYSFS_DIR), "")
        .into_iter()
        .filter(|p| p != vmlinux)
        .collect();
    eprintln!("{test}: {} module BTF files in {SYSFS_DIR}", modules.len());
    cases.extend(modules.iter().map(|m| case(m, None)));

    let dotdot = Path::new("/sys/kernel/btf/../btf/vmlinux");
    cases.push(case(dotdot, None));
    compare_all(test, &bpftool, &cases);
}

/// A deliberate difference from bpftool, which compares the path as a string and so dumps
/// `/sys/kernel/btf/./vmlinux` as split BTF over vmlinux itself: `btf dump` compares paths by
/// component, so every spelling of the vmlinux path dumps vmlinux, standalone.
#[test]
fn running_kernel_path_spellings_dump_vmlinux_itself() {
    let test = "running_kernel_path_spellings_dump_vmlinux_itself";
    if File::open(SYSFS_VMLINUX).is_err() {
        skip(test, &format!("{SYSFS_VMLINUX} is absent or unreadable"));
        return;
    }
    let canonical = run(OsStr::new(BTF), &["dump".into(), SYSFS_VMLINUX.into()]);
    assert!(canonical.status.success());
    assert!(
        canonical.stdout.starts_with(b"[1] "),
        "vmlinux dump starts at type 1"
    );
    for spelling in ["/sys/kernel/btf/./vmlinux", "/sys/kernel/btf//vmlinux"] {
        let out = run(OsStr::new(BTF), &["dump".into(), spelling.into()]);
        assert!(
            out.status.success(),
            "{spelling}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout == canonical.stdout,
            "{spelling} should dump vmlinux standalone"
        );
    }
}

#[test]
fn first_difference_reports_line_and_both_lines() {
    assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
    let d = first_difference(b"a\nb\nc\n", b"a\nB\nc\n").unwrap();
    assert!(
        d.contains("line 2 ") && d.contains(r#""b\n""#) && d.contains(r#""B\n""#),
        "{d}"
    );
    let d = first_difference(b"a\n", b"a\nb\n").unwrap();
    assert!(
        d.contains("line 2 ") && d.contains("<end of output>") && d.contains(r#""b\n""#),
        "{d}"
    );
    let d = first_difference(b"a\nb", b"a\nb\n").unwrap();
    assert!(
        d.contains("line 2 ") && d.contains(r#""b""#) && d.contains(r#""b\n""#),
        "{d}"
    );
}
