//! `btf relocate`, `btf distill` and `btf check-relocate` end to end. Tests that need the shared
//! corpus (`../shared/corpus`) print `SKIP <test>: <reason>` when it is absent.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

const BTF: &str = env!("CARGO_BIN_EXE_btf");

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

fn corpus_or_skip(test: &str) -> Option<PathBuf> {
    let dir = corpus_dir();
    if dir.is_none() {
        println!("SKIP {test}: ../shared/corpus not found");
    }
    dir
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("btf-reloc-{tag}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn btf(args: &[&str]) -> Output {
    Command::new(BTF)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("running btf")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_ok(o: &Output, what: &str) {
    assert!(o.status.success(), "{what} failed: {}", stderr(o));
}

/// Fails cleanly: non-zero exit, one `btf: ` message containing `needle`, no panic.
fn assert_clean_failure(o: &Output, needle: &str) {
    let err = stderr(o);
    assert!(!o.status.success(), "expected failure, stderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(
        err.starts_with("btf: ") || err.starts_with("error:"),
        "{err}"
    );
    assert!(err.contains(needle), "stderr lacks {needle:?}: {err}");
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
}

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

#[test]
fn batch_all_modules_47_to_54() {
    let Some(c) = corpus_or_skip("batch_all_modules_47_to_54") else {
        return;
    };
    let out = btf(&[
        "check-relocate",
        "--quiet",
        "--distill-from",
        p(&c.join("vmlinux/6.1.0-47.btf")),
        "--base",
        p(&c.join("vmlinux/6.1.0-54.btf")),
        "--tar",
        p(&c.join("modules-all/6.1.0-47.tar.zst")),
    ]);
    assert_ok(&out, "check-relocate");
    let report = stdout(&out);
    assert!(report.contains("2226 of 4022 modules relocate"), "{report}");
    assert!(report.contains("1796 fail:"), "{report}");
    let first_group = report.lines().nth(2).unwrap_or("");
    assert_eq!(first_group.trim(), "1695 modules: struct device 744 -> 752");
}

#[test]
fn batch_over_files_and_folders() {
    let Some(c) = corpus_or_skip("batch_over_files_and_folders") else {
        return;
    };
    let out = btf(&[
        "check-relocate",
        "-q",
        "-j",
        "2",
        "--distill-from",
        p(&c.join("vmlinux/6.1.0-47.btf")),
        "--base",
        p(&c.join("vmlinux/6.1.0-54.btf")),
        p(&c.join("modules/6.1.0-47")),
        p(&c.join("ko/6.1.0-47")),
    ]);
    assert_ok(&out, "check-relocate");
    let report = stdout(&out);
    let first = report.lines().next().unwrap_or("");
    assert!(first.ends_with(" modules relocate"), "{report}");
    assert!(!report.contains("errors:"), "{report}");
}

#[test]
fn distill_in_place_then_relocate() {
    let Some(c) = corpus_or_skip("distill_in_place_then_relocate") else {
        return;
    };
    let tmp = TempDir::new("inplace");
    let v47 = c.join("vmlinux/6.1.0-47.btf");
    let v54 = c.join("vmlinux/6.1.0-54.btf");
    let ko = tmp.0.join("e1000e.ko");
    fs::copy(c.join("ko/6.1.0-47/e1000e.ko"), &ko).unwrap();
    let orig = fs::read(&ko).unwrap();
    assert_ok(
        &btf(&["distill", p(&ko), "--base", p(&v47), "--in-place"]),
        "distill --in-place",
    );
    let new = fs::read(&ko).unwrap();
    assert_eq!(&new[0x40..orig.len()], &orig[0x40..], "original bytes kept");

    // readelf (binutils) accepts the result and lists both sections.
    match Command::new("readelf").args(["-S", "-W", p(&ko)]).output() {
        Ok(o) => {
            let text = stdout(&o);
            assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
            assert!(
                text.contains(".BTF.base") && text.contains(" .BTF "),
                "{text}"
            );
        }
        Err(_) => println!("SKIP readelf check: readelf not installed"),
    }
    match Command::new("llvm-objcopy")
        .args([p(&ko), p(&tmp.0.join("copy.ko"))])
        .output()
    {
        Ok(o) => assert!(o.status.success(), "llvm-objcopy: {}", stderr(&o)),
        Err(_) => println!("SKIP llvm-objcopy check: llvm-objcopy not installed"),
    }

    // Split over the distilled base, and relocated when given a base.
    let alone = btf(&["dump", p(&ko)]);
    assert_ok(&alone, "dump without base");
    let over47 = btf(&["dump", p(&ko), "--base", p(&v47)]);
    assert_ok(&over47, "dump over 47");
    let orig_dump = btf(&[
        "dump",
        p(&c.join("ko/6.1.0-47/e1000e.ko")),
        "--base",
        p(&v47),
    ]);
    assert_ok(&orig_dump, "dump of the original");
    // The module's own types come first and keep their kinds and names (btf-core's elf_write
    // tests compare them structurally).
    let names = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with('['))
            .map(|l| {
                l.split_whitespace()
                    .skip(1)
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };
    let (a, b) = (names(&stdout(&orig_dump)), names(&stdout(&over47)));
    assert!(b.len() >= a.len());
    assert_eq!(a[..], b[..a.len()]);

    let rel = tmp.0.join("rel.btf");
    assert_ok(
        &btf(&["relocate", p(&ko), "--base", p(&v54), "-o", p(&rel)]),
        "relocate onto 54",
    );
    assert_ok(
        &btf(&["dump", p(&rel), "--base", p(&v54)]),
        "dump relocated",
    );

    // The -o form and --distilled-base give the same relocated split.
    let dir = tmp.0.join("out");
    assert_ok(
        &btf(&[
            "distill",
            p(&c.join("ko/6.1.0-47/e1000e.ko")),
            "--base",
            p(&v47),
            "-o",
            p(&dir),
        ]),
        "distill -o",
    );
    let rel2 = tmp.0.join("rel2.btf");
    assert_ok(
        &btf(&[
            "relocate",
            p(&dir.join("e1000e.split.btf")),
            "--distilled-base",
            p(&dir.join("e1000e.base.btf")),
            "--base",
            p(&v54),
            "-o",
            p(&rel2),
        ]),
        "relocate raw",
    );
    assert_eq!(fs::read(&rel).unwrap(), fs::read(&rel2).unwrap());
}

#[test]
fn error_paths_fail_cleanly() {
    let tmp = TempDir::new("errors");
    let junk = tmp.0.join("junk.btf");
    fs::write(&junk, b"this is not BTF at all").unwrap();
    let missing = tmp.0.join("missing.ko");
    let out = tmp.0.join("out.btf");

    assert_clean_failure(
        &btf(&["relocate", p(&missing), "--base", p(&junk), "-o", p(&out)]),
        "base BTF",
    );
    assert_clean_failure(
        &btf(&[
            "distill",
            p(&missing),
            "--base",
            p(&missing),
            "-o",
            p(&tmp.0),
        ]),
        "missing.ko",
    );
    assert_clean_failure(
        &btf(&[
            "check-relocate",
            "--distill-from",
            p(&junk),
            "--base",
            p(&junk),
            p(&missing),
        ]),
        "missing.ko",
    );
    assert_clean_failure(
        &btf(&[
            "check-relocate",
            "--distill-from",
            p(&junk),
            "--base",
            p(&junk),
        ]),
        "no modules given",
    );
    assert!(!out.exists());

    let Some(c) = corpus_or_skip("error_paths_fail_cleanly (corpus part)") else {
        return;
    };
    let v47 = c.join("vmlinux/6.1.0-47.btf");
    let v54 = c.join("vmlinux/6.1.0-54.btf");
    let ko = c.join("ko/6.1.0-47/e1000e.ko");
    // Missing module with a good base.
    assert_clean_failure(
        &btf(&["relocate", p(&missing), "--base", p(&v54), "-o", p(&out)]),
        "missing.ko",
    );
    // Wrong base: a non-BTF file, and a module in place of vmlinux.
    assert_clean_failure(
        &btf(&["distill", p(&ko), "--base", p(&junk), "-o", p(&tmp.0)]),
        "base BTF",
    );
    assert_clean_failure(
        &btf(&["relocate", p(&ko), "--base", p(&v54), "-o", p(&out)]),
        "no .BTF.base",
    );
    let raw = c.join("modules/6.1.0-47").join("e1000e.btf");
    if raw.exists() {
        assert_clean_failure(
            &btf(&["relocate", p(&raw), "--base", p(&v54), "-o", p(&out)]),
            "--distilled-base",
        );
        assert_clean_failure(
            &btf(&["distill", p(&raw), "--base", p(&v47), "--in-place"]),
            "not an ELF module",
        );
    }
    // A distilled module that does not fit the new base: relocation error with the cause.
    let dir = tmp.0.join("d");
    let nvme = c.join("ko/6.1.0-47").join("nf_conntrack.ko");
    assert_ok(
        &btf(&["distill", p(&nvme), "--base", p(&v47), "-o", p(&dir)]),
        "distill",
    );
    let o = btf(&[
        "relocate",
        p(&dir.join("nf_conntrack.split.btf")),
        "--distilled-base",
        p(&dir.join("nf_conntrack.split.btf")),
        "--base",
        p(&v54),
        "-o",
        p(&out),
    ]);
    assert!(!o.status.success());
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert!(!out.exists());
}
