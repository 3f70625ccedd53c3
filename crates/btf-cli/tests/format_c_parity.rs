//! `btf dump --format c --unsorted` against Debian's bpftool 7.1 (`format c`, on libbpf 1.1) on
//! every corpus vmlinux and every selected module over its base. They are identical once the
//! three differences that come from bpftool 7.7 and libbpf 1.7 are taken out, each named here and
//! each required to be there (so that the list stays exact):
//!
//! 1. the preamble of bpftool 7.7 adds `__ksym`, `__weak` and `__bpf_fastcall` definitions;
//! 2. bpftool 7.7 ends with a `BPF kfuncs` section of `extern … __weak __ksym` prototypes;
//! 3. libbpf 1.7 marks one-byte enums `__attribute__((mode(byte)))` (and 8-byte 32-bit enums
//!    `mode(word)`), which libbpf 1.1 leaves out.
//!
//! Skips, saying why, without bpftool or the corpus.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BTF: &str = env!("CARGO_BIN_EXE_btf");

const PREAMBLE_7_7: &str = "#ifndef __ksym
#define __ksym __attribute__((section(\".ksyms\")))
#endif

#ifndef __weak
#define __weak __attribute__((weak))
#endif

#ifndef __bpf_fastcall
#if __has_attribute(bpf_fastcall)
#define __bpf_fastcall __attribute__((bpf_fastcall))
#else
#define __bpf_fastcall
#endif
#endif

";
const KFUNCS_START: &str = "\n/* BPF kfuncs */\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n";
const MODE_ATTRS: [&str; 2] = [
    " __attribute__((mode(byte)))",
    " __attribute__((mode(word)))",
];

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    dir.is_dir().then_some(dir)
}

fn bpftool() -> Option<PathBuf> {
    [
        "/usr/sbin/bpftool",
        "/sbin/bpftool",
        "/usr/local/sbin/bpftool",
    ]
    .map(PathBuf::from)
    .into_iter()
    .find(|p| {
        Command::new(p)
            .arg("version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn output(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("C text")
}

/// Ours with the three named differences taken out; each must have been there.
fn without_known_differences(ours: &str, label: &str) -> String {
    assert_eq!(
        ours.matches(PREAMBLE_7_7).count(),
        1,
        "{label}: 7.7 preamble"
    );
    let text = ours.replacen(PREAMBLE_7_7, "", 1);
    let start = text
        .find(KFUNCS_START)
        .unwrap_or_else(|| panic!("{label}: no kfuncs section"));
    let end = start
        + KFUNCS_START.len()
        + text[start + KFUNCS_START.len()..]
            .find("#endif\n\n")
            .unwrap_or_else(|| panic!("{label}: kfuncs section not closed"))
        + "#endif\n\n".len();
    let mut text = format!("{}{}", &text[..start], &text[end..]);
    for attr in MODE_ATTRS {
        text = text.replace(attr, "");
    }
    text
}

#[test]
fn format_c_equals_bpftool_7_1_but_for_named_differences() {
    let (Some(corpus), Some(bpftool)) = (corpus(), bpftool()) else {
        eprintln!("SKIP format_c_parity: needs ../shared/corpus and bpftool");
        return;
    };
    let mut compared = 0;
    let mut mode_attrs = 0;
    let mut vmlinux: Vec<PathBuf> = std::fs::read_dir(corpus.join("vmlinux"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    vmlinux.sort();
    for base in &vmlinux {
        let ver = base.file_stem().unwrap().to_string_lossy().into_owned();
        let mut inputs: Vec<(PathBuf, Option<&Path>)> = vec![(base.clone(), None)];
        let mut modules: Vec<PathBuf> = std::fs::read_dir(corpus.join("modules").join(&ver))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        modules.sort();
        inputs.extend(modules.into_iter().map(|m| (m, Some(base.as_path()))));
        for (file, base) in inputs {
            let label = file.display().to_string();
            let mut theirs = Command::new(&bpftool);
            theirs.args(["btf", "dump", "file"]).arg(&file);
            let mut ours = Command::new(BTF);
            ours.args(["dump", "--format", "c", "--unsorted"])
                .arg(&file);
            if let Some(b) = base {
                theirs.arg("-B").arg(b);
                ours.arg("--base").arg(b);
            }
            theirs.args(["format", "c"]);
            let expected = output(&mut theirs, "bpftool");
            let ours = output(&mut ours, "btf");
            mode_attrs += MODE_ATTRS
                .iter()
                .map(|a| ours.matches(a).count())
                .sum::<usize>();
            let normalized = without_known_differences(&ours, &label);
            if normalized != expected {
                let line = normalized
                    .lines()
                    .zip(expected.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                panic!(
                    "{label}: differs from bpftool 7.1 at line {} beyond the named differences:\n\
                     ours:    {:?}\nbpftool: {:?}",
                    line + 1,
                    normalized.lines().nth(line),
                    expected.lines().nth(line)
                );
            }
            compared += 1;
        }
    }
    assert!(mode_attrs > 0, "difference 3 is real on this corpus");
    eprintln!(
        "format_c_parity: {compared} headers equal to bpftool 7.1's but for the named differences"
    );
}
