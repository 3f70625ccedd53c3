//! `btf dump --json` / `--pretty` must print exactly what `bpftool -j|-p btf dump file FILE
//! [-B BASE] format raw` prints, on every corpus vmlinux, every corpus module (raw split BTF over
//! its vmlinux: the selected ones of `modules/` and all 8,045 of `modules-all/`), every corpus
//! `.ko`, and the running kernel.
//!
//! The oracle is the system's bpftool (Debian's 7.1 here), as in `bpftool_parity.rs`: each test
//! prints `SKIP <test>: <reason>` and returns when the corpus or bpftool is absent, and fails
//! instead when `BTF_PARITY_REQUIRED=1`. Both spellings of the option are exercised: `btf -j dump`
//! (bpftool's global option) for compact JSON and `btf dump -p` for pretty JSON.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Instant;

const BTF: &str = env!("CARGO_BIN_EXE_btf");
const SYSFS_VMLINUX: &str = "/sys/kernel/btf/vmlinux";

fn skip(test: &str, reason: &str) {
    if std::env::var_os("BTF_PARITY_REQUIRED").is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("{test}: {reason} (and BTF_PARITY_REQUIRED is set)");
    }
    eprintln!("SKIP {test}: {reason}");
}

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

fn sorted(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| keep(p))
        .collect();
    out.sort();
    out
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    sorted(dir, |p| {
        p.is_file() && p.to_string_lossy().ends_with(suffix)
    })
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    sorted(dir, Path::is_dir)
}

/// `vmlinux/<ver>.btf` for the folder `<anything>/<ver>`.
fn vmlinux_for(corpus: &Path, ver_dir: &Path) -> PathBuf {
    let ver = ver_dir
        .file_name()
        .expect("version folder")
        .to_string_lossy();
    let p = corpus.join("vmlinux").join(format!("{ver}.btf"));
    assert!(p.is_file(), "corpus has no base {} for {ver}", p.display());
    p
}

/// One input: a file and, for split BTF, its base.
#[derive(Debug)]
struct Case {
    file: PathBuf,
    base: Option<PathBuf>,
}

fn run(program: &Path, args: &[OsString]) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", program.display()))
}

/// `None` when equal, else the first differing byte with some context from both.
fn first_difference(ours: &[u8], theirs: &[u8]) -> Option<String> {
    if ours == theirs {
        return None;
    }
    let at = ours
        .iter()
        .zip(theirs)
        .position(|(a, b)| a != b)
        .unwrap_or(ours.len().min(theirs.len()));
    let around = |t: &[u8]| {
        let from = at.saturating_sub(80);
        let to = (at + 80).min(t.len());
        String::from_utf8_lossy(&t[from..to]).into_owned()
    };
    Some(format!(
        "first difference at byte {at} (btf: {} bytes, bpftool: {} bytes)\n  btf:     {:?}\n  \
         bpftool: {:?}",
        ours.len(),
        theirs.len(),
        around(ours),
        around(theirs)
    ))
}

/// Compares compact and pretty JSON for one case; `Err` says what differs.
fn check(bpftool: &Path, case: &Case) -> Result<(), String> {
    for (their_flag, ours_prefix, ours_suffix) in [
        ("-j", &["-j", "dump"][..], &[][..]),
        ("-p", &["dump"][..], &["-p"][..]),
    ] {
        let mut theirs: Vec<OsString> = vec![their_flag.into(), "btf".into(), "dump".into()];
        theirs.extend(["file".into(), case.file.clone().into()]);
        let mut ours: Vec<OsString> = ours_prefix.iter().map(Into::into).collect();
        ours.push(case.file.clone().into());
        if let Some(base) = &case.base {
            theirs.extend(["-B".into(), base.clone().into()]);
            ours.extend(["--base".into(), base.clone().into()]);
        }
        theirs.extend(["format".into(), "raw".into()]);
        ours.extend(ours_suffix.iter().map(Into::into));

        let t = run(bpftool, &theirs);
        if !t.status.success() || t.stdout.is_empty() {
            return Err(format!(
                "the oracle failed ({}): {}",
                t.status,
                String::from_utf8_lossy(&t.stderr).trim_end()
            ));
        }
        let o = run(Path::new(BTF), &ours);
        if !o.status.success() || !o.stderr.is_empty() {
            return Err(format!(
                "btf {} failed ({}): {}",
                their_flag,
                o.status,
                String::from_utf8_lossy(&o.stderr).trim_end()
            ));
        }
        if let Some(diff) = first_difference(&o.stdout, &t.stdout) {
            return Err(format!("{their_flag}: {diff}"));
        }
    }
    Ok(())
}

/// `f` over `items` on as many threads as there are CPUs, results in order.
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

fn compare_all(test: &str, bpftool: &Path, cases: &[Case]) {
    assert!(!cases.is_empty(), "{test}: no files to compare");
    let start = Instant::now();
    let outcomes = par_map(cases, |c| check(bpftool, c));
    let failures: Vec<String> = cases
        .iter()
        .zip(outcomes)
        .filter_map(|(c, r)| {
            r.err()
                .map(|e| format!("MISMATCH {}\n  {e}", c.file.display()))
        })
        .collect();
    eprintln!(
        "{test}: {} files, {} identical to bpftool in -j and -p, {} mismatched; {:.2?}",
        cases.len(),
        cases.len() - failures.len(),
        failures.len(),
        start.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{test}: {} of {} files differ from bpftool:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn vmlinux_json_matches_bpftool() {
    let test = "vmlinux_json_matches_bpftool";
    let Some((corpus, bpftool)) = corpus_and_bpftool(test) else {
        return;
    };
    let cases: Vec<Case> = files_ending(&corpus.join("vmlinux"), ".btf")
        .into_iter()
        .map(|file| Case { file, base: None })
        .collect();
    compare_all(test, &bpftool, &cases);
}

#[test]
fn module_json_matches_bpftool() {
    let test = "module_json_matches_bpftool";
    let Some((corpus, bpftool)) = corpus_and_bpftool(test) else {
        return;
    };
    let mut cases = Vec::new();
    for ver in subdirs(&corpus.join("modules")) {
        let base = vmlinux_for(&corpus, &ver);
        let files = files_ending(&ver, ".btf");
        assert!(!files.is_empty(), "no {}/*.btf", ver.display());
        cases.extend(files.into_iter().map(|file| Case {
            file,
            base: Some(base.clone()),
        }));
    }
    compare_all(test, &bpftool, &cases);
}

/// Every module of every build in `modules-all/<ver>.tar.zst` (8,045 in all), unpacked into a
/// scratch folder, over that build's vmlinux.
#[test]
fn modules_all_json_matches_bpftool() {
    let test = "modules_all_json_matches_bpftool";
    let Some((corpus, bpftool)) = corpus_and_bpftool(test) else {
        return;
    };
    let tars = files_ending(&corpus.join("modules-all"), ".tar.zst");
    assert!(!tars.is_empty(), "no modules-all/*.tar.zst");
    let scratch = std::env::temp_dir().join(format!("btf-json-parity-{}", std::process::id()));
    let mut cases = Vec::new();
    for tar in &tars {
        let ver = tar
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".tar.zst"))
            .expect("<ver>.tar.zst");
        let dir = scratch.join(ver);
        fs::create_dir_all(&dir).expect("scratch folder");
        let status = Command::new("tar")
            .args(["--zstd", "-xf"])
            .arg(tar)
            .arg("-C")
            .arg(&dir)
            .status();
        if !status.is_ok_and(|s| s.success()) {
            let _ = fs::remove_dir_all(&scratch);
            skip(test, "cannot unpack with `tar --zstd` (zstd missing?)");
            return;
        }
        let base = vmlinux_for(&corpus, &dir);
        let files = files_ending(&dir, ".btf");
        assert!(
            files.len() > 1000,
            "{}: only {} modules",
            tar.display(),
            files.len()
        );
        cases.extend(files.into_iter().map(|file| Case {
            file,
            base: Some(base.clone()),
        }));
    }
    let outcome = std::panic::catch_unwind(|| compare_all(test, &bpftool, &cases));
    let _ = fs::remove_dir_all(&scratch);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn ko_json_matches_bpftool() {
    let test = "ko_json_matches_bpftool";
    let Some((corpus, bpftool)) = corpus_and_bpftool(test) else {
        return;
    };
    let mut cases = Vec::new();
    for ver in subdirs(&corpus.join("ko")) {
        let base = vmlinux_for(&corpus, &ver);
        cases.extend(files_ending(&ver, ".ko").into_iter().map(|file| Case {
            file,
            base: Some(base.clone()),
        }));
    }
    compare_all(test, &bpftool, &cases);
}

/// The project's own fixture (no corpus needed), and the running kernel when it has BTF.
#[test]
fn fixture_and_running_kernel_json_match_bpftool() {
    let test = "fixture_and_running_kernel_json_match_bpftool";
    let Some(bpftool) = bpftool() else {
        skip(test, "no runnable bpftool (PATH, /usr/sbin, $BPFTOOL)");
        return;
    };
    let mut cases = vec![Case {
        file: Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-data/small.btf"),
        base: None,
    }];
    if Path::new(SYSFS_VMLINUX).is_file() {
        cases.push(Case {
            file: SYSFS_VMLINUX.into(),
            base: None,
        });
    } else {
        skip(
            test,
            "no /sys/kernel/btf/vmlinux: only the fixture is compared",
        );
    }
    compare_all(test, &bpftool, &cases);
}

/// `btf dump vmlinux` is `/sys/kernel/btf/vmlinux`, and a loaded module's name is its sysfs file
/// over vmlinux; a name that is neither a file nor a loaded module is a clear error.
#[test]
fn module_name_alone() {
    let out = run(Path::new(BTF), &["dump".into(), "no_such_module_x".into()]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no_such_module_x: no such file, and no") && err.contains("/sys/kernel/btf"),
        "{err}"
    );

    let test = "module_name_alone";
    if !Path::new(SYSFS_VMLINUX).is_file() {
        skip(test, "no /sys/kernel/btf/vmlinux");
        return;
    }
    let by_name = run(Path::new(BTF), &["dump".into(), "vmlinux".into()]);
    let by_path = run(Path::new(BTF), &["dump".into(), SYSFS_VMLINUX.into()]);
    assert!(by_name.status.success());
    assert!(by_name.stdout == by_path.stdout, "btf dump vmlinux differs");
    let module = sorted(Path::new("/sys/kernel/btf"), |p| {
        p.file_name().is_some_and(|n| n != "vmlinux")
    })
    .into_iter()
    .next();
    let Some(module) = module else {
        skip(test, "no module with BTF is loaded: only vmlinux checked");
        return;
    };
    let name = module.file_name().expect("name").to_os_string();
    let by_name = run(Path::new(BTF), &["dump".into(), name]);
    let by_path = run(Path::new(BTF), &["dump".into(), module.clone().into()]);
    assert!(
        by_name.status.success(),
        "{}",
        String::from_utf8_lossy(&by_name.stderr)
    );
    assert!(
        by_name.stdout == by_path.stdout,
        "btf dump {} differs",
        module.display()
    );
}

/// Every kind, both enum signednesses at their extremes (bpftool prints an unsigned ENUM value
/// with the top bit set sign-extended), negative and positive DECL_TAG component indexes, and
/// strings with every byte bpftool's JSON writer escapes — built with btf-core's writer.
#[test]
fn every_kind_and_escape_matches_bpftool() {
    use btf_core::{Btf, FUNC_GLOBAL, FUNC_STATIC, FwdKind, VAR_GLOBAL_ALLOCATED};

    let test = "every_kind_and_escape_matches_bpftool";
    let Some(bpftool) = bpftool() else {
        skip(test, "no runnable bpftool (PATH, /usr/sbin, $BPFTOOL)");
        return;
    };
    let mut b = Btf::new_empty();
    let int = b.add_int("int", 4, 1).unwrap();
    let uchar = b.add_int("unsigned char", 1, 0).unwrap();
    b.add_int("_Bool", 1, 4).unwrap();
    b.add_int("char", 1, 2).unwrap();
    let ptr = b.add_ptr(int).unwrap();
    b.add_const(int).unwrap();
    b.add_volatile(ptr).unwrap();
    b.add_restrict(ptr).unwrap();
    b.add_typedef("int_t", int).unwrap();
    b.add_type_tag("tag \"quoted\" 'single' back\\slash\ttab", ptr)
        .unwrap();
    let arr = b.add_array(int, uchar, 16).unwrap();
    let s = b.add_struct("s", 24).unwrap();
    b.add_field("a", int, 0, 0).unwrap();
    b.add_field("bits", int, 35, 3).unwrap();
    b.add_field("arr", arr, 64, 0).unwrap();
    b.add_union("", 4).unwrap();
    b.add_field("u", int, 0, 0).unwrap();
    b.add_enum("neg", 4).unwrap();
    b.add_enum_value("MINUS_ONE", -1).unwrap();
    b.add_enum_value("MIN", i64::from(i32::MIN)).unwrap();
    b.add_enum("high", 4).unwrap();
    b.add_enum_value("TOP", 0x8000_0000).unwrap();
    b.add_enum_value("MAX", i64::from(u32::MAX)).unwrap();
    b.add_enum64("e64u", 8, false).unwrap();
    b.add_enum64_value("BIG", u64::MAX).unwrap();
    b.add_enum64("e64s", 8, true).unwrap();
    b.add_enum64_value("NEG", (-5i64) as u64).unwrap();
    b.add_fwd("fs", FwdKind::Struct).unwrap();
    b.add_fwd("fu", FwdKind::Union).unwrap();
    let proto = b.add_func_proto(int).unwrap();
    b.add_func_param("x", int).unwrap();
    b.add_func_param("", 0).unwrap();
    let f = b.add_func("f", FUNC_GLOBAL, proto).unwrap();
    b.add_func("g", FUNC_STATIC, proto).unwrap();
    let v = b.add_var("v", VAR_GLOBAL_ALLOCATED, int).unwrap();
    b.add_datasec(".data", 4).unwrap();
    b.add_datasec_var_info(v, 0, 4).unwrap();
    b.add_float("double", 8).unwrap();
    b.add_decl_tag("on the struct\r\n\u{8}\u{c}", s, -1)
        .unwrap();
    b.add_decl_tag("on a param", f, 1).unwrap();

    let dir = std::env::temp_dir().join(format!("btf-cli-json-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("every-kind.btf");
    fs::write(&file, b.raw_data()).unwrap();
    let result = check(&bpftool, &Case { file, base: None });
    let _ = fs::remove_dir_all(&dir);
    result.unwrap_or_else(|e| panic!("{test}: {e}"));
}
