//! `btf check`: exit statuses (0 valid/consistent, 1 invalid/inconsistent, 2 undecidable, 3
//! errors), single reports, JSON, and the batch report over whole corpus builds, against the
//! truths the corpus gives (a module over its own build is never flagged; over the other build it
//! always is; a module with `.BTF.base` is decided by relocation).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BTF: &str = env!("CARGO_BIN_EXE_btf");

fn btf(args: &[&str]) -> Output {
    let out = Command::new(BTF).args(args).output().expect("btf runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "btf {args:?} panicked: {stderr}"
    );
    out
}

fn status(args: &[&str]) -> i32 {
    btf(args).status.code().expect("exit status")
}

fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .display()
        .to_string()
}

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then_some(dir)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn standalone_btf_gets_the_kernel_verdict() {
    let small = repo("test-data/small.btf");
    let out = btf(&["check", &small]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("valid: the kernel would accept this BTF"));

    // The same BTF with struct point renamed "9oint": the kernel's "Invalid name" for [27].
    let mut bytes = std::fs::read(&small).expect("test data");
    let hdr_len = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    let str_off = hdr_len + u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let at = bytes[str_off..]
        .windows(7)
        .position(|w| w == b"\0point\0")
        .expect("the name 'point' in the strings");
    bytes[str_off + at + 1] = b'9';
    let bad = std::env::temp_dir().join(format!("btf-check-bad-{}.btf", std::process::id()));
    std::fs::write(&bad, &bytes).expect("temp file");
    let out = btf(&["check", bad.to_str().unwrap()]);
    let _ = std::fs::remove_file(&bad);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("[27] STRUCT 9oint"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("Invalid name"), "{}", stdout(&out));

    // Errors: 3.
    assert_eq!(status(&["check", "/nonexistent/file.btf"]), 3);
    assert_eq!(status(&["check"]), 3);
    assert_eq!(status(&["check", "--tar", &small]), 3);
}

#[test]
fn a_module_with_a_distilled_base_is_decided_by_relocation() {
    let module = repo("test-data/mod-resilient.o");
    let out = btf(&["check", &module, "--base", &repo("test-data/small.btf")]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("relocates onto this base"));
    let Some(corpus) = corpus() else {
        eprintln!(
            "SKIP the rest of a_module_with_a_distilled_base_is_decided_by_relocation: no corpus"
        );
        return;
    };
    let vmlinux = corpus.join("vmlinux/6.1.0-47.btf");
    let out = btf(&["check", &module, "--base", vmlinux.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("[relocation] struct list (16 bytes"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn modules_over_their_own_and_the_other_build() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIP modules_over_their_own_and_the_other_build: no corpus");
        return;
    };
    let c = |rel: &str| corpus.join(rel).display().to_string();
    let ext4 = c("modules/6.1.0-47/ext4.btf");
    // Raw split BTF over its own build passes every check but cannot name its build.
    assert_eq!(
        status(&["check", &ext4, "--base", &c("vmlinux/6.1.0-47.btf")]),
        2
    );
    let out = btf(&[
        "check",
        &ext4,
        "--base",
        &c("vmlinux/6.1.0-54.btf"),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.starts_with("{\"input\":"), "{text}");
    assert!(text.contains("\"verdict\":\"inconsistent\""), "{text}");
    assert!(text.contains("\"rule\":\"ref-target\""), "{text}");
    // The ELF module with its vermagic: consistent when told the base's release, inconsistent
    // when told another.
    let ko = c("ko/6.1.0-47/ext4.ko");
    let base = c("vmlinux/6.1.0-47.btf");
    assert_eq!(
        status(&["check", &ko, "--base", &base, "--release", "6.1.0-47-amd64"]),
        0
    );
    let out = btf(&["check", &ko, "--base", &base, "--release", "6.1.0-54-amd64"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("vermagic"), "{}", stdout(&out));
}

#[test]
fn a_whole_build_in_one_batch() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIP a_whole_build_in_one_batch: no corpus");
        return;
    };
    let c = |rel: &str| corpus.join(rel).display().to_string();
    let tar = c("modules-all/6.1.0-47.tar.zst");
    // Over the next build: every module is flagged.
    let out = btf(&[
        "check",
        "--tar",
        &tar,
        "--base",
        &c("vmlinux/6.1.0-54.btf"),
        "-q",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.ends_with(": 0 consistent, 4022 inconsistent, 0 undecidable, 0 unreadable"),
        "{text}"
    );
    assert!(
        text.contains("kernel-rules: the kernel would refuse its BTF over this vmlinux"),
        "{text}"
    );
    // Over its own: nothing flagged, every module undecidable (raw split BTF), exit status 2.
    let out = btf(&[
        "check",
        "--tar",
        &tar,
        "--base",
        &c("vmlinux/6.1.0-47.btf"),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert_eq!(text.matches("\"verdict\":\"undecidable\"").count(), 4022);
    assert_eq!(text.matches("\"verdict\":").count(), 4022);
    // A folder of modules of two builds over one base: a report per cause.
    let out = btf(&[
        "check",
        &c("modules/6.1.0-54"),
        &c("modules/6.1.0-47/ext4.btf"),
        "--base",
        &c("vmlinux/6.1.0-54.btf"),
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.lines()
            .next()
            .unwrap_or_default()
            .contains(" 1 inconsistent, 26 undecidable"),
        "{text}"
    );
}
