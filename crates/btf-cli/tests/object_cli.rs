//! `btf ext`, `btf core` and `btf minimize` on the test BPF objects (`btf_difftest::bpfobj`, built
//! by clang for bpf and bpfeb) against the corpus kernels:
//!
//! * `btf minimize` writes exactly what Debian's `bpftool gen min_core_btf` writes (bpftool 7.1
//!   cannot read big-endian objects; theirs must equal our result for the little-endian twin);
//! * `btf core --json` reports, for every relocation, the instruction and the value libbpf 1.7.0
//!   patches when it prepares the object with that kernel as `btf_custom_path` (root), and its
//!   exit status says whether some program would be rejected;
//! * `btf ext` lists every record of the object's `.BTF.ext`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use btf_difftest::bpfobj::{self, BpfObject};
use btf_difftest::{corpus, libbpf};

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

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn temp_file(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("btf-object-cli-{tag}-{}", std::process::id()))
}

fn bpftool() -> Option<&'static str> {
    ["/usr/sbin/bpftool", "/usr/bin/bpftool"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

fn minimize_ours(objects: &[&BpfObject], target: &Path, tag: &str) -> Vec<u8> {
    let out_path = temp_file(tag);
    let mut args = vec!["minimize"];
    args.extend(objects.iter().map(|o| path_str(&o.path)));
    args.extend(["--target", path_str(target), "-o", path_str(&out_path)]);
    let out = btf(&args);
    assert!(
        out.status.success(),
        "btf {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&out_path).expect("output written");
    let _ = std::fs::remove_file(&out_path);
    bytes
}

#[test]
fn minimize_is_bpftool_gen_min_core_btf() {
    let Some(objects) = bpfobj::objects_or_skip("minimize_is_bpftool_gen_min_core_btf") else {
        return;
    };
    let Some(bpftool) = bpftool() else {
        eprintln!("SKIP minimize_is_bpftool_gen_min_core_btf: no bpftool");
        return;
    };
    let little: Vec<&BpfObject> = objects.iter().filter(|o| !o.big_endian).collect();
    let mut compared = 0;
    for vmlinux in corpus::vmlinux_files() {
        // Each little-endian object alone, then all of them together.
        let mut sets: Vec<Vec<&BpfObject>> = little.iter().map(|o| vec![*o]).collect();
        sets.push(little.clone());
        for set in &sets {
            let theirs_path = temp_file("bpftool");
            let mut cmd = Command::new(bpftool);
            cmd.args([
                "gen",
                "min_core_btf",
                path_str(&vmlinux),
                path_str(&theirs_path),
            ]);
            cmd.args(set.iter().map(|o| &o.path));
            let status = cmd.status().expect("bpftool runs");
            assert!(status.success(), "bpftool gen min_core_btf failed");
            let theirs = std::fs::read(&theirs_path).expect("bpftool wrote its output");
            let _ = std::fs::remove_file(&theirs_path);
            let ours = minimize_ours(set, &vmlinux, "ours");
            let names: Vec<&str> = set.iter().map(|o| o.name.as_str()).collect();
            assert!(
                ours.len() > 24,
                "{names:?} on {}: empty result",
                vmlinux.display()
            );
            assert!(
                ours == theirs,
                "{names:?} on {}: {} bytes, bpftool {} bytes",
                vmlinux.display(),
                ours.len(),
                theirs.len()
            );
            compared += 1;
        }
        for be in objects.iter().filter(|o| o.big_endian) {
            let twin = little.iter().find(|o| o.source == be.source).expect("twin");
            assert_eq!(
                minimize_ours(&[be], &vmlinux, "be"),
                minimize_ours(&[twin], &vmlinux, "le"),
                "{} on {}",
                be.name,
                vmlinux.display()
            );
            compared += 1;
        }
    }
    eprintln!("{compared} minimized BTFs equal");
    assert!(compared > 0);
}

/// A flat JSON object's fields (strings, numbers, null, booleans) as text; strings unescaped only
/// as far as `btf core` escapes them.
fn parse_flat_object(line: &str) -> HashMap<String, Option<String>> {
    let body = line
        .trim()
        .trim_start_matches(',')
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or_else(|| panic!("not an object: {line}"));
    let mut fields = HashMap::new();
    let mut chars = body.chars().peekable();
    let read_string = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        assert_eq!(chars.next(), Some('"'));
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => return s,
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some(c) => s.push(c),
                    None => break,
                },
                c => s.push(c),
            }
        }
        panic!("unterminated string in {line}");
    };
    while chars.peek().is_some() {
        let key = read_string(&mut chars);
        assert_eq!(chars.next(), Some(':'));
        let value = if chars.peek() == Some(&'"') {
            Some(read_string(&mut chars))
        } else {
            let mut raw = String::new();
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                raw.push(c);
                chars.next();
            }
            (raw != "null").then_some(raw)
        };
        fields.insert(key, value);
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    fields
}

/// The patched instruction and its new value (`None`: poisoned), or libbpf's failure message.
type LibbpfOutcome = Result<(u64, Option<u64>), String>;

/// What libbpf did with each relocation, by (program, relo #): the patched instruction and the
/// new value (`None`: poisoned), or `Err` when relocation failed there.
fn libbpf_outcomes(lines: &[(u32, String)]) -> HashMap<(String, u64), LibbpfOutcome> {
    let mut out = HashMap::new();
    for (_, line) in lines {
        let line = line.strip_prefix("libbpf: ").unwrap_or(line);
        let Some(rest) = line.strip_prefix("prog '") else {
            continue;
        };
        let Some((prog, rest)) = rest.split_once("': relo #") else {
            continue;
        };
        let Some((relo, rest)) = rest.split_once(": ") else {
            continue;
        };
        let Ok(relo) = relo.parse::<u64>() else {
            continue;
        };
        let key = (prog.to_string(), relo);
        let insn_of = |s: &str| -> u64 {
            s.split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .expect("insn number")
        };
        if let Some(r) = rest.strip_prefix("patched insn #") {
            if r.contains(" mem_sz ") {
                continue; // a second line about the same instruction
            }
            let value = r.rsplit(" -> ").next().and_then(|v| v.parse().ok());
            out.entry(key).or_insert(Ok((insn_of(r), value)));
        } else if let Some(r) = rest.strip_prefix("substituting insn #") {
            // A poisoned LD_IMM64 logs its second half first; the relocation is at the first.
            let insn = insn_of(r);
            let entry = out.entry(key).or_insert(Ok((insn, None)));
            if let Ok((at, None)) = entry {
                *at = (*at).min(insn);
            }
        } else if rest.starts_with("failed to") {
            out.insert(key, Err(rest.to_string()));
        }
    }
    out
}

#[test]
fn core_json_reports_the_values_libbpf_patches() {
    let Some(objects) = bpfobj::objects_or_skip("core_json_reports_the_values_libbpf_patches")
    else {
        return;
    };
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!(
            "SKIP core_json_reports_the_values_libbpf_patches: bpf_object__prepare needs root"
        );
        return;
    }
    let (mut rows, mut poisoned, mut failing_runs) = (0, 0, 0);
    for vmlinux in corpus::vmlinux_files() {
        for object in &objects {
            let out = btf(&[
                "core",
                path_str(&object.path),
                "--json",
                "--target",
                path_str(&vmlinux),
            ]);
            let code = out.status.code().expect("exit status");
            assert!(
                code <= 1,
                "{}: {}",
                object.name,
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).expect("UTF-8");
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!((lines.first(), lines.last()), (Some(&"["), Some(&"]")));
            let reported: Vec<_> = lines[1..lines.len() - 1]
                .iter()
                .map(|l| parse_flat_object(l))
                .collect();

            let oracle = libbpf::core_relocate(&object.path, &vmlinux);
            if oracle.prepare_err == -libc::EPERM {
                eprintln!("SKIP core_json_reports_the_values_libbpf_patches: EPERM");
                return;
            }
            let theirs = libbpf_outcomes(&oracle.lines);
            let mut any_failure = false;
            for r in &reported {
                let field = |k: &str| {
                    r.get(k)
                        .unwrap_or_else(|| panic!("no {k} in {r:?}"))
                        .clone()
                };
                let verdict = field("verdict").expect("verdict");
                any_failure |= verdict == "unguarded" || verdict == "error";
                if verdict == "skipped" {
                    continue;
                }
                let program = field("program").expect("program");
                let relo: u64 = field("relo").expect("relo").parse().expect("number");
                let libbpf = theirs.get(&(program.clone(), relo)).unwrap_or_else(|| {
                    panic!(
                        "{} on {}: libbpf did not log {program} relo #{relo} (prepare {}): {:?}",
                        object.name,
                        vmlinux.display(),
                        oracle.prepare_err,
                        &oracle.lines[..oracle.lines.len().min(8)]
                    )
                });
                match libbpf {
                    Err(e) => assert_eq!(verdict, "error", "{program} #{relo}: libbpf {e}"),
                    Ok((insn, value)) => {
                        let ours_insn: u64 = field("insn").expect("insn").parse().expect("number");
                        let ours_value = field("value").map(|v| v.parse::<u64>().expect("number"));
                        assert_eq!(
                            (ours_insn, ours_value),
                            (*insn, *value),
                            "{} on {}: {program} relo #{relo}",
                            object.name,
                            vmlinux.display()
                        );
                        poisoned += usize::from(value.is_none());
                        assert_eq!(
                            value.is_none(),
                            verdict == "guarded" || verdict == "unguarded"
                        );
                    }
                }
                rows += 1;
            }
            assert_eq!(
                code == 1,
                any_failure,
                "{}: exit status {code}",
                object.name
            );
            failing_runs += usize::from(any_failure);
        }
    }
    eprintln!(
        "{rows} relocations reported as libbpf patches them ({poisoned} poisoned, {failing_runs} runs with a rejected program)"
    );
    assert!(rows > 0 && poisoned > 0 && failing_runs > 0);
}

#[test]
fn core_over_a_fleet_prints_a_matrix_and_fails_where_a_program_would() {
    let Some(objects) = bpfobj::objects_or_skip("core_over_a_fleet") else {
        return;
    };
    let guards = objects
        .iter()
        .find(|o| o.name == "guards.bpfel")
        .expect("guards object");
    let kernels = corpus::vmlinux_files();
    let mut args = vec!["core", path_str(&guards.path)];
    for k in &kernels {
        args.extend(["-t", path_str(k)]);
    }
    let out = btf(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    // The unguarded read of task_struct.bpf_net_context (Linux 6.11+) fails on the 6.1 kernels.
    let row = text
        .lines()
        .find(|l| l.starts_with("unguarded #1 byte_off") && l.contains("bpf_net_context"))
        .unwrap_or_else(|| panic!("no row for the unguarded read:\n{text}"));
    let cells: Vec<&str> = row.split_whitespace().rev().take(kernels.len()).collect();
    let expected: Vec<&str> = kernels
        .iter()
        .rev()
        .map(|k| {
            if path_str(k).contains("6.1.0-") {
                "FAIL"
            } else {
                "ok"
            }
        })
        .collect();
    assert_eq!(cells, expected, "{text}");
    assert!(text.contains("6.18.44: every program loads"), "{text}");
    assert!(
        text.contains("6.1.0-47: programs rejected: unguarded"),
        "{text}"
    );

    // One kernel where everything loads: exit status 0.
    let newest = kernels
        .iter()
        .find(|k| path_str(k).contains("6.18"))
        .expect("6.18 corpus");
    let out = btf(&["core", path_str(&guards.path), "-t", path_str(newest)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Not a BPF object: exit status 2, a message, nothing on stdout.
    let out = btf(&["core", path_str(newest), "-t", path_str(newest)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty() && !out.stderr.is_empty());
}

#[test]
fn ext_lists_every_record() {
    let Some(objects) = bpfobj::objects_or_skip("ext_lists_every_record") else {
        return;
    };
    for object in &objects {
        let out = btf(&["ext", path_str(&object.path)]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        let ext = btf_core::elf::parse_elf_ext(&object.bytes())
            .expect("parses")
            .expect("has .BTF.ext");
        let count = |prefix: &str| {
            text.lines()
                .filter(|l| l.trim_start().starts_with(prefix))
                .count()
        };
        let funcs: usize = ext.func_info().map(|s| s.num_info() as usize).sum();
        let lines: usize = ext.line_info().map(|s| s.num_info() as usize).sum();
        let relos: usize = ext.core_relo().map(|s| s.num_info() as usize).sum();
        let records = text.lines().filter(|l| l.starts_with("    insn #")).count();
        assert_eq!(records, funcs + lines, "{}", object.name);
        assert_eq!(count("#"), relos, "{}", object.name);
        // Source lines come from the BTF strings: the programs' own text shows up.
        assert!(text.contains("BPF_KPROBE("), "{}", object.name);
        assert!(text.contains("section '"));
    }
}

#[test]
fn core_searches_module_btf_when_given() {
    let Some(objects) = bpfobj::objects_or_skip("core_searches_module_btf_when_given") else {
        return;
    };
    let Some(corpus) = corpus::corpus_dir() else {
        return;
    };
    // Debian 6.1 builds ext4 as a module: struct ext4_sb_info is in its BTF, not in vmlinux.
    let vmlinux = corpus.join("vmlinux/6.1.0-47.btf");
    let ext4 = corpus.join("modules/6.1.0-47/ext4.btf");
    let guards = objects
        .iter()
        .find(|o| o.name == "guards.bpfel")
        .expect("guards object");
    let ext4_rows = |extra: &[&str]| -> Vec<HashMap<String, Option<String>>> {
        let mut args = vec![
            "core",
            path_str(&guards.path),
            "--json",
            "-t",
            path_str(&vmlinux),
        ];
        args.extend(extra);
        let out = btf(&args);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("UTF-8")
            .lines()
            .filter(|l| l.contains("ext4_sb_info"))
            .map(parse_flat_object)
            .collect()
    };
    let without = ext4_rows(&[]);
    let with = ext4_rows(&["--module", path_str(&ext4)]);
    assert_eq!(without.len(), 2, "{without:?}");
    assert_eq!(with.len(), 2, "{with:?}");
    for r in &without {
        assert_eq!(r["target"], None, "{r:?}");
    }
    for r in &with {
        assert_eq!(r["target_btf"].as_deref(), Some("ext4"), "{r:?}");
        assert_eq!(r["verdict"].as_deref(), Some("resolved"), "{r:?}");
        assert!(
            r["target"]
                .as_deref()
                .is_some_and(|t| t.contains("struct ext4_sb_info"))
        );
    }
    // --module needs one vmlinux to be split over.
    let out = btf(&["core", path_str(&guards.path), "-m", path_str(&ext4)]);
    assert_eq!(out.status.code(), Some(2));
}
