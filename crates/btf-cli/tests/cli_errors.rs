//! `btf` fails cleanly: a message on stderr, nothing on stdout, a non-zero exit status and no
//! panic or backtrace text — even with `RUST_BACKTRACE=1` — for every kind of bad input. Also:
//! a closed stdout (`btf dump | head -1`) ends the dump quietly, and `--help` works.
//!
//! Inputs that need the shared corpus (`../shared/corpus`) or `/sys/kernel/btf/vmlinux` fall
//! back to synthetic BTF where they can, and otherwise print `SKIP <test>: <reason>`.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

const BTF: &str = env!("CARGO_BIN_EXE_btf");
const SYSFS_VMLINUX: &str = "/sys/kernel/btf/vmlinux";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `<workspace>/../shared/corpus`, if it exists.
fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
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

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        fs::write(&p, bytes).unwrap_or_else(|e| panic!("writing {}: {e}", p.display()));
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// `btf` with a backtrace-friendly environment, so that a panic would show.
fn btf() -> Command {
    let mut cmd = Command::new(BTF);
    cmd.env("RUST_BACKTRACE", "1").stdin(Stdio::null());
    cmd
}

fn run<S: AsRef<OsStr>>(args: &[S]) -> Output {
    btf().args(args).output().expect("running btf")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// No panic message or backtrace in `stderr`.
fn assert_no_panic(what: &str, stderr: &str) {
    for bad in [
        "panicked",
        "RUST_BACKTRACE",
        "stack backtrace",
        "thread 'main'",
    ] {
        assert!(
            !stderr.contains(bad),
            "{what}: stderr contains {bad:?}:\n{stderr}"
        );
    }
}

/// A clean failure of our own (exit 1, `btf: ` message naming each of `needles`, case-insensitively).
fn assert_fails(what: &str, out: &Output, needles: &[&str]) -> String {
    let stderr = text(&out.stderr);
    assert_no_panic(what, &stderr);
    assert!(
        !out.status.success() && out.status.code().is_some(),
        "{what}: expected a non-zero exit, got {}; stderr:\n{stderr}",
        out.status
    );
    assert!(
        out.stdout.is_empty(),
        "{what}: printed {} bytes to stdout on failure",
        out.stdout.len()
    );
    assert!(
        stderr.starts_with("btf: "),
        "{what}: stderr should be a `btf: ` message, got:\n{stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "{what}: expected a one-line message, got:\n{stderr}"
    );
    let lower = stderr.to_lowercase();
    for needle in needles {
        assert!(
            lower.contains(&needle.to_lowercase()),
            "{what}: message should mention {needle:?}, got:\n{stderr}"
        );
    }
    stderr
}

/// A command-line usage error from clap: exit 2, message on stderr, nothing on stdout.
fn assert_usage_error(what: &str, out: &Output, needles: &[&str]) {
    let stderr = text(&out.stderr);
    assert_no_panic(what, &stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: expected exit 2; stderr:\n{stderr}"
    );
    assert!(out.stdout.is_empty(), "{what}: printed to stdout");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{what}: message should mention {needle:?}, got:\n{stderr}"
        );
    }
}

/// Raw BTF holding `n` 4-byte `INT` types named `int` (ids 1..=n): no kernel needed.
fn synthetic_btf(n: u32) -> Vec<u8> {
    const HDR_LEN: u32 = 24;
    let strings = b"\0int\0";
    let mut types = Vec::with_capacity(n as usize * 16);
    for _ in 0..n {
        types.extend_from_slice(&1u32.to_le_bytes()); // name_off: "int"
        types.extend_from_slice(&(1u32 << 24).to_le_bytes()); // kind INT, vlen 0
        types.extend_from_slice(&4u32.to_le_bytes()); // size
        types.extend_from_slice(&(1u32 << 24 | 32).to_le_bytes()); // SIGNED, offset 0, 32 bits
    }
    let type_len = u32::try_from(types.len()).expect("small enough");
    let mut out = Vec::new();
    out.extend_from_slice(&0xeb9f_u16.to_le_bytes()); // magic
    out.push(1); // version
    out.push(0); // flags
    for field in [HDR_LEN, 0, type_len, type_len, strings.len() as u32] {
        out.extend_from_slice(&field.to_le_bytes()); // hdr_len, type_off/len, str_off/len
    }
    out.extend_from_slice(&types);
    out.extend_from_slice(strings);
    out
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
fn garbage(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

/// A readable real vmlinux BTF: the corpus's first, else the running kernel's.
fn some_vmlinux() -> Option<PathBuf> {
    let from_corpus = corpus_dir().and_then(|c| {
        let mut v: Vec<PathBuf> = fs::read_dir(c.join("vmlinux"))
            .ok()?
            .filter_map(|e| Some(e.ok()?.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "btf"))
            .collect();
        v.sort();
        v.into_iter().next()
    });
    from_corpus.or_else(|| {
        File::open(SYSFS_VMLINUX)
            .is_ok()
            .then(|| SYSFS_VMLINUX.into())
    })
}

fn show(p: &Path) -> String {
    p.display().to_string()
}

// ---------------------------------------------------------------------------------------------
// Unreadable and malformed files
// ---------------------------------------------------------------------------------------------

#[test]
fn synthetic_btf_is_valid() {
    // Guards the helper the other tests rely on.
    let tmp = TempDir::new("synthetic");
    let f = tmp.file("ints.btf", &synthetic_btf(3));
    let out = run(&[OsStr::new("dump"), f.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let want: String = (1..=3)
        .map(|id| {
            format!(
                "[{id}] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED
"
            )
        })
        .collect();
    assert_eq!(text(&out.stdout), want);
}

#[test]
fn nonexistent_file() {
    let tmp = TempDir::new("nonexistent");
    let missing = tmp.0.join("no-such-file.btf");
    let out = run(&[OsStr::new("dump"), missing.as_os_str()]);
    assert_fails("nonexistent file", &out, &[&show(&missing)]);
}

#[test]
fn directory() {
    let tmp = TempDir::new("directory");
    let out = run(&[OsStr::new("dump"), tmp.0.as_os_str()]);
    assert_fails("a directory", &out, &[&show(&tmp.0)]);
}

#[test]
fn empty_file() {
    let tmp = TempDir::new("empty");
    let f = tmp.file("empty.btf", b"");
    assert_fails(
        "empty file",
        &run(&[OsStr::new("dump"), f.as_os_str()]),
        &[&show(&f)],
    );
}

#[test]
fn truncated_btf() {
    let tmp = TempDir::new("truncated");
    let source = some_vmlinux();
    let bytes = match &source {
        Some(v) => {
            let mut head = vec![0; 30];
            File::open(v)
                .and_then(|mut f| f.read_exact(&mut head))
                .unwrap_or_else(|e| panic!("reading {}: {e}", v.display()));
            head
        }
        None => {
            eprintln!("truncated_btf: no vmlinux BTF available, truncating synthetic BTF");
            synthetic_btf(100)[..30].to_vec()
        }
    };
    let f = tmp.file("truncated.btf", &bytes);
    let what = format!(
        "first 30 bytes of {}",
        source.as_deref().map_or("synthetic BTF".into(), show)
    );
    assert_fails(
        &what,
        &run(&[OsStr::new("dump"), f.as_os_str()]),
        &[&show(&f)],
    );
}

#[test]
fn truncated_at_many_lengths() {
    // Every cut of a small valid BTF, header and all, must be a clean error.
    let tmp = TempDir::new("cuts");
    let full = synthetic_btf(4);
    for len in 0..full.len() {
        let f = tmp.file(&format!("cut-{len}.btf"), &full[..len]);
        let out = run(&[OsStr::new("dump"), f.as_os_str()]);
        assert_fails(
            &format!("synthetic BTF cut to {len} bytes"),
            &out,
            &[&show(&f)],
        );
    }
}

#[test]
fn garbage_bytes() {
    let tmp = TempDir::new("garbage");
    let mut btf_magic_then_garbage = synthetic_btf(1)[..8].to_vec();
    btf_magic_then_garbage.extend(garbage(512, 7));
    let mut elf_magic_then_garbage = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf_magic_then_garbage.extend(garbage(512, 11));
    let inputs: [(&str, Vec<u8>); 4] = [
        ("garbage.bin", garbage(4096, 0x9e37_79b9_7f4a_7c15)),
        ("text.txt", b"this is not BTF at all\n".to_vec()),
        ("btf-magic-garbage.btf", btf_magic_then_garbage),
        ("elf-magic-garbage.ko", elf_magic_then_garbage),
    ];
    for (name, bytes) in inputs {
        let f = tmp.file(name, &bytes);
        assert_fails(
            name,
            &run(&[OsStr::new("dump"), f.as_os_str()]),
            &[&show(&f)],
        );
    }
}

#[test]
fn corrupt_compressed_modules() {
    // Compressed-looking files that do not decompress (or decompress to garbage).
    let tmp = TempDir::new("compressed");
    let inputs: [(&str, Vec<u8>); 6] = [
        (
            "xz-magic.ko.xz",
            [b"\xfd7zXZ\0".as_slice(), &garbage(300, 1)].concat(),
        ),
        (
            "zstd-magic.ko.zst",
            [b"\x28\xb5\x2f\xfd".as_slice(), &garbage(300, 2)].concat(),
        ),
        (
            "gzip-magic.ko.gz",
            [b"\x1f\x8b\x08\0".as_slice(), &garbage(300, 3)].concat(),
        ),
        ("random.ko.xz", garbage(300, 4)),
        ("random.ko.zst", garbage(300, 5)),
        ("random.ko.gz", garbage(300, 6)),
    ];
    for (name, bytes) in inputs {
        let f = tmp.file(name, &bytes);
        assert_fails(
            name,
            &run(&[OsStr::new("dump"), f.as_os_str()]),
            &[&show(&f)],
        );
    }
}

#[test]
fn elf_without_btf_section() {
    let true_bin = Path::new("/bin/true");
    let elf = if true_bin.is_file() {
        true_bin.to_path_buf()
    } else {
        // This test executable is an ELF without .BTF too.
        std::env::current_exe().expect("current exe")
    };
    let out = run(&[OsStr::new("dump"), elf.as_os_str()]);
    assert_fails("ELF without .BTF", &out, &[".BTF", &show(&elf)]);
}

// ---------------------------------------------------------------------------------------------
// Split BTF and its base
// ---------------------------------------------------------------------------------------------

#[test]
fn module_without_base_hints_at_base() {
    let Some(corpus) = corpus_dir() else {
        eprintln!("SKIP module_without_base_hints_at_base: ../shared/corpus not found");
        return;
    };
    for rel in [
        "modules/6.1.0-47/tun.btf",
        "modules/6.12.115/vfat.btf",
        "ko/6.1.0-47/tun.ko",
        "pahole/mod-split.btf",
    ] {
        let f = corpus.join(rel);
        assert!(f.is_file(), "corpus lacks {rel}");
        let out = run(&[OsStr::new("dump"), f.as_os_str()]);
        assert_fails(&format!("{rel} without --base"), &out, &[&show(&f), "base"]);
    }
}

#[test]
fn bad_base() {
    let tmp = TempDir::new("bad-base");
    let module = corpus_dir().map(|c| c.join("modules/6.1.0-47/tun.btf"));
    // With no corpus, a synthetic file stands in for the module: the base is read first.
    let module = module.unwrap_or_else(|| tmp.file("module.btf", &synthetic_btf(2)));
    let missing = tmp.0.join("no-such-base.btf");
    let garbage_base = tmp.file("garbage-base.btf", &garbage(2048, 99));
    let empty_base = tmp.file("empty-base.btf", b"");
    let mut bases = vec![
        ("nonexistent base", missing),
        ("directory as base", tmp.0.clone()),
        ("garbage base", garbage_base),
        ("empty base", empty_base),
    ];
    if let Some(corpus) = corpus_dir() {
        // A split BTF is no base: it needs a base of its own.
        bases.push(("split BTF as base", corpus.join("modules/6.1.0-47/fat.btf")));
    }
    for (what, base) in bases {
        let out = run(&[
            OsStr::new("dump"),
            module.as_os_str(),
            OsStr::new("--base"),
            base.as_os_str(),
        ]);
        let msg = assert_fails(what, &out, &[&show(&base)]);
        assert!(
            msg.contains("base"),
            "{what}: message should say it is the base:\n{msg}"
        );
    }
}

#[test]
fn sysfs_module_path_gets_vmlinux_base() {
    // No module files need exist in /sys/kernel/btf/ for these: a missing one is still read
    // over the automatic base, and an explicit --base replaces that base.
    if File::open(SYSFS_VMLINUX).is_err() {
        eprintln!("SKIP sysfs_module_path_gets_vmlinux_base: {SYSFS_VMLINUX} unreadable");
        return;
    }
    let missing = "/sys/kernel/btf/no-such-module-btf-cli-test";
    let out = run(&["dump", missing]);
    assert_fails("missing module under /sys/kernel/btf", &out, &[missing]);

    let tmp = TempDir::new("sysfs-base");
    let bad_base = tmp.0.join("no-such-base.btf");
    let dotdot = "/sys/kernel/btf/../btf/vmlinux"; // not vmlinux's own spelling: a "module"
    let out = run(&[
        OsStr::new("dump"),
        OsStr::new(dotdot),
        OsStr::new("--base"),
        bad_base.as_os_str(),
    ]);
    let msg = assert_fails(
        "--base overrides the automatic base",
        &out,
        &[&show(&bad_base)],
    );
    assert!(!msg.contains(SYSFS_VMLINUX), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

#[test]
fn unsupported_format() {
    let tmp = TempDir::new("format");
    let f = tmp.file("ints.btf", &synthetic_btf(1));
    for format in ["C", "json", ""] {
        let out = run(&[
            OsStr::new("dump"),
            f.as_os_str(),
            OsStr::new("--format"),
            OsStr::new(format),
        ]);
        assert_usage_error(
            &format!("--format {format:?}"),
            &out,
            &["--format", "possible values: raw, c"],
        );
    }
    let out = run(&[
        OsStr::new("dump"),
        f.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("raw"),
    ]);
    assert!(out.status.success(), "--format raw: {}", text(&out.stderr));
    let out = run(&[
        OsStr::new("dump"),
        f.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("c"),
    ]);
    assert!(out.status.success(), "--format c: {}", text(&out.stderr));
}

#[test]
fn other_usage_errors() {
    assert_usage_error("no subcommand", &run::<&str>(&[]), &["Usage"]);
    assert_usage_error("unknown subcommand", &run(&["frobnicate"]), &["frobnicate"]);
    assert_usage_error("unknown option", &run(&["dump", "--bogus"]), &["--bogus"]);
    assert_usage_error(
        "--base without value",
        &run(&["dump", "x.btf", "--base"]),
        &["--base"],
    );
    assert_usage_error("two files", &run(&["dump", "a.btf", "b.btf"]), &["b.btf"]);
}

#[test]
fn help_and_version() {
    for args in [
        &["--help"][..],
        &["help"],
        &["dump", "--help"],
        &["help", "dump"],
        &["--version"],
    ] {
        let out = run(args);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "btf {args:?}: {}", out.status);
        assert!(
            out.stderr.is_empty(),
            "btf {args:?} wrote to stderr: {}",
            text(&out.stderr)
        );
        assert!(!stdout.is_empty(), "btf {args:?} printed nothing");
        if args.contains(&"dump") {
            for word in ["--base", "--format", "raw", "FILE"] {
                assert!(
                    stdout.contains(word),
                    "btf {args:?} does not mention {word}:\n{stdout}"
                );
            }
        } else if args != ["--version"] {
            assert!(
                stdout.contains("dump"),
                "btf {args:?} lists no dump:\n{stdout}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Closed stdout
// ---------------------------------------------------------------------------------------------

/// Starts `btf dump <args>`, reads one line, closes the pipe and returns the exit status and
/// stderr: what `btf dump … | head -1` does.
fn dump_then_close_stdout<S: AsRef<OsStr>>(args: &[S]) -> (String, ExitStatus, String) {
    let mut child = btf()
        .arg("dump")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning btf");
    let mut first = String::new();
    {
        let mut reader = BufReader::new(child.stdout.take().expect("stdout pipe"));
        reader
            .read_line(&mut first)
            .expect("reading the first line");
    } // the read end of the pipe closes here
    let out = child.wait_with_output().expect("waiting for btf");
    (first, out.status, text(&out.stderr))
}

fn assert_quiet_broken_pipe(what: &str, first: &str, status: ExitStatus, stderr: &str) {
    assert!(first.starts_with("[1] "), "{what}: first line {first:?}");
    assert_no_panic(what, stderr);
    assert!(
        stderr.is_empty(),
        "{what}: stderr noise after the pipe closed:\n{stderr}"
    );
    assert!(
        status.success(),
        "{what}: exit {status} after the pipe closed"
    );
}

#[test]
fn broken_pipe_is_quiet() {
    // 200,000 types print ~12 MB: far more than a pipe buffers, so the write fails mid-dump.
    let tmp = TempDir::new("pipe");
    let f = tmp.file("many.btf", &synthetic_btf(200_000));
    let (first, status, stderr) = dump_then_close_stdout(&[f.as_os_str()]);
    assert_quiet_broken_pipe("synthetic BTF", &first, status, &stderr);
}

#[test]
fn broken_pipe_on_running_kernel_is_quiet() {
    if File::open(SYSFS_VMLINUX).is_err() {
        eprintln!("SKIP broken_pipe_on_running_kernel_is_quiet: {SYSFS_VMLINUX} unreadable");
        return;
    }
    // `btf dump | head -1`, with the default FILE.
    let (first, status, stderr) = dump_then_close_stdout::<&str>(&[]);
    assert_quiet_broken_pipe(SYSFS_VMLINUX, &first, status, &stderr);
}
