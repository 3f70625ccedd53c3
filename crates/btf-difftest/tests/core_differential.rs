//! CO-RE relocation against libbpf 1.7.0: every relocation of every test BPF object
//! (`btf_difftest::bpfobj`, little- and big-endian) resolved and patched by
//! `btf_core::co_re::relocate_object` against each corpus vmlinux, compared with what libbpf's
//! `bpf_object__prepare` (with `btf_custom_path` = that vmlinux) logs and patches: the same CO-RE
//! log lines, in the same order, at the same levels, and the same patched instructions.
//!
//! libbpf relocates big-endian objects on this little-endian host too (`bpf_object__prepare` does
//! not check the byte order; only loading does), computing `FIELD_LSHIFT_U64` for the host's byte
//! order as `ResolveOptions::default()` does.
//!
//! Needs root (`bpf_object__prepare` probes the kernel and creates maps): skipped with a `SKIP`
//! line otherwise, or when the kernel refuses with `EPERM`.

use std::collections::HashMap;
use std::path::Path;

use btf_core::co_re::{
    Insn, LogLevel, Patched, RelocateReport, ResolveOptions, Targets, relocate_object,
};
use btf_core::{Btf, Endianness};
use btf_difftest::{bpfobj, corpus, libbpf};

/// libbpf's lines that belong to CO-RE relocation (bpf_object__prepare prints others too).
fn is_core_line(text: &str) -> bool {
    if text.starts_with("CO-RE relocating [") || text.starts_with("unexpected kind ") {
        return true;
    }
    if text.starts_with("sec '") {
        return text.contains("CO-RE relocation");
    }
    text.starts_with("prog '")
        && text.contains("': relo ")
        && !text.contains("poisoning insn")
        && !text.contains("bad insn")
        && !text.contains("bad relo type")
        && !text.contains("can't create jump table")
}

fn level_num(l: LogLevel) -> u32 {
    match l {
        LogLevel::Warn => 0,
        LogLevel::Info => 1,
        LogLevel::Debug => 2,
    }
}

/// Log fragments whose presence shows a code path was exercised (counted in the summary).
const FEATURES: [&str; 8] = [
    "mem_sz",
    "accesses field incorrectly",
    "non-matching candidate",
    "no matching targets found",
    "(LDIMM64)",
    "(LDX/ST/STX)",
    " @ offset ",
    "enum64",
];

#[derive(Default)]
struct Tally {
    features: [usize; 8],
    runs: usize,
    relos: usize,
    lines: usize,
    insns: usize,
    poisoned: usize,
    failed_runs: usize,
}

fn compare(obj: &bpfobj::BpfObject, target: &Path, tally: &mut Tally) -> Result<(), String> {
    let elf = obj.bytes();
    let local = btf_core::elf::parse_elf(&elf, None)
        .map_err(|e| e.to_string())?
        .btf;
    let order = local.endianness();
    let vmlinux = Btf::parse_file(target, None).map_err(|e| e.to_string())?;
    let targets = Targets::custom(&vmlinux);
    // The sites as `btf_core::object` maps them (section, function, instruction), so this also
    // holds our ELF reading to libbpf's.
    let sections = btf_core::object::BpfObject::parse(&elf)
        .expect("test object parses")
        .relo_sections();
    let ours: RelocateReport<'_> =
        relocate_object(&local, &sections, &targets, &ResolveOptions::default());

    let theirs = libbpf::core_relocate(&obj.path, target);
    if theirs.open_err != 0 {
        return Err(format!(
            "libbpf could not open it: errno {}",
            theirs.open_err
        ));
    }
    let their_lines: Vec<(u32, String)> = theirs
        .lines
        .iter()
        .map(|(l, t)| (*l, t.strip_prefix("libbpf: ").unwrap_or(t).to_string()))
        .filter(|(_, t)| is_core_line(t))
        .collect();
    let our_lines: Vec<(u32, String)> = ours
        .log
        .iter()
        .map(|l| (level_num(l.level), l.text.clone()))
        .collect();
    let ctx = format!("{} on {}", obj.name, target.display());
    if our_lines != their_lines {
        let mut msg = format!("{ctx}: log differs\n");
        for i in 0..our_lines.len().max(their_lines.len()) {
            let a = our_lines.get(i);
            let b = their_lines.get(i);
            let mark = if a == b { ' ' } else { '!' };
            msg.push_str(&format!("{mark} ours:   {a:?}\n{mark} libbpf: {b:?}\n"));
        }
        return Err(msg);
    }
    tally.lines += our_lines.len();
    for (_, t) in &our_lines {
        for (i, pat) in FEATURES.iter().enumerate() {
            if t.contains(pat) {
                tally.features[i] += 1;
            }
        }
    }

    // libbpf fails the prepare exactly when we report an error (a CO-RE failure is the first
    // thing that can fail after the probes; later map creation failures would show as EPERM).
    let libbpf_core_failed = theirs
        .lines
        .iter()
        .any(|(_, t)| t.contains("failed to perform CO-RE relocations"));
    if libbpf_core_failed != ours.error.is_some() {
        return Err(format!(
            "{ctx}: libbpf CO-RE failure {libbpf_core_failed}, ours {:?}",
            ours.error
        ));
    }
    if ours.error.is_some() {
        tally.failed_runs += 1;
    }

    // Patched instructions of main programs (subprograms in .text are not listed by libbpf).
    let progs: HashMap<&str, &Vec<u8>> = theirs
        .programs
        .iter()
        .map(|(n, b)| (n.as_str(), b))
        .collect();
    for o in &ours.outcomes {
        tally.relos += usize::from(o.resolution.is_some());
        let (Some(p), Some(name), Some(idx)) = (&o.patch, &o.prog_name, o.insn_idx) else {
            continue;
        };
        let Ok(kind) = &p.result else { continue };
        if matches!(kind, Patched::Poisoned { .. }) {
            tally.poisoned += 1;
        }
        if libbpf_core_failed {
            continue;
        }
        let Some(their) = progs.get(name.as_str()) else {
            continue;
        };
        for k in 0..p.bytes.len() / 8 {
            let mut a = [0u8; 8];
            a.copy_from_slice(&p.bytes[k * 8..k * 8 + 8]);
            let ours_insn = Insn::from_bytes(a, order);
            let Some(b) = their.get((idx + k) * 8..(idx + k) * 8 + 8) else {
                return Err(format!("{ctx}: libbpf's {name} has no insn #{}", idx + k));
            };
            let mut bb = [0u8; 8];
            bb.copy_from_slice(b);
            let their_insn = Insn::from_bytes(bb, Endianness::native());
            // Only the relocated instruction, and the second half of an LD_IMM64, are compared.
            let relevant = k == 0
                || matches!(
                    kind,
                    Patched::LdImm64 { .. } | Patched::Poisoned { ldimm64: true }
                );
            if relevant && ours_insn != their_insn {
                return Err(format!(
                    "{ctx}: prog {name} insn #{}: ours {ours_insn:?}, libbpf {their_insn:?}",
                    idx + k
                ));
            }
            tally.insns += usize::from(relevant);
        }
    }
    tally.runs += 1;
    Ok(())
}

#[test]
fn core_relocations_match_libbpf() {
    // SAFETY-free check of the effective uid through libc.
    if unsafe_free_euid() != 0 {
        eprintln!("SKIP core_relocations_match_libbpf: bpf_object__prepare needs root");
        return;
    }
    let Some(objects) = bpfobj::objects_or_skip("core_relocations_match_libbpf") else {
        return;
    };
    let targets = corpus::vmlinux_files();
    if targets.is_empty() {
        eprintln!("SKIP core_relocations_match_libbpf: no corpus vmlinux");
        return;
    }
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for obj in &objects {
        for target in &targets {
            if let Err(e) = compare(obj, target, &mut tally) {
                if e.contains("EPERM") {
                    eprintln!("SKIP core_relocations_match_libbpf: {e}");
                    return;
                }
                failures.push(e);
            }
        }
    }
    eprintln!(
        "core differential: {} object x target runs, {} relocations, {} log lines, {} patched insns compared ({} poisoned, {} runs failing in both)",
        tally.runs, tally.relos, tally.lines, tally.insns, tally.poisoned, tally.failed_runs
    );
    for (pat, n) in FEATURES.iter().zip(tally.features) {
        eprintln!("  {n:5} lines with {pat:?}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(tally.relos > 0, "no relocation was compared");
}

fn unsafe_free_euid() -> u32 {
    // /proc/self/status "Uid:" line: real, effective, saved, fs.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(u32::MAX)
}
